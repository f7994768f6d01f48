/**
 * Attacks from inside an execution on the Kubernetes runner, with the whole system running: the API, the orchestrator
 * process, and a Job on the Kubernetes stand-in whose pod runs the real factory-agent as root with only the pod's
 * capabilities and no_new_privs (the stand-in applies the container's securityContext through setpriv when it runs as
 * root, as CI does), the run token mounted from its Secret as a 0400 root file. The attacking execution prints
 * `ALLOWED …` when an attack got through and `BLOCKED …` when it did not (docs/security.md, "Kubernetes runner").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSettingsFromEnv } from '../../apps/agent/src/sandbox-settings.js';
import { AGENT_CAPABILITIES } from '../../apps/orchestrator/src/kubernetes/agent-job.js';
import { NAMESPACE, startE2E, storedTree, waitUntil, pushToMain, type E2E, type TestProject } from '../e2e/harness.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'kubernetes', consul: false, repositories: ['attacker'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

/** Runs in the execution: finds the agent (its first root ancestor) and attacks it and its token. */
const ATTACK = String.raw`#!/bin/sh
echo "uid $(id -u) gid $(id -g) groups $(id -G)"
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status | sed 's/^/self /'
agent=$PPID
while [ "$agent" -gt 1 ] && ! grep -qE '^Uid:\s+0\s' "/proc/$agent/status"; do
  agent=$(awk '/^PPid:/ { print $2 }' "/proc/$agent/status")
done
echo "agent pid $agent: $(tr '\0' ' ' < "/proc/$agent/cmdline")"
grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs):' "/proc/$agent/status" | sed 's/^/agent /'
found=0
for file in /var/run/secrets/factoryci/token "$(dirname "$FACTORY_WORKSPACE")/run-token/token"; do
  [ -e "$file" ] || continue
  found=1
  echo "token file $file: $(stat -c '%a %u' "$file")"
  if cat "$file" > /dev/null 2>&1; then echo "ALLOWED read of the token file"; else echo "BLOCKED read of the token file"; fi
  if echo x > "$(dirname "$file")/planted" 2> /dev/null; then echo "ALLOWED write next to the token file"; else echo "BLOCKED write next to the token file"; fi
done
[ "$found" = 1 ] || echo "ALLOWED: no token file found to attack"
if cat "/proc/$agent/environ" > /dev/null 2>&1; then echo "ALLOWED environ of the agent"; else echo "BLOCKED environ of the agent"; fi
if head -c 1 "/proc/$agent/mem" > /dev/null 2>&1; then echo "ALLOWED memory of the agent"; else echo "BLOCKED memory of the agent"; fi
if kill -0 "$agent" 2> /dev/null; then echo "ALLOWED signal to the agent"; else echo "BLOCKED signal to the agent"; fi
if setpriv --reuid=0 --regid=0 --clear-groups true 2> /dev/null; then echo "ALLOWED setpriv to root"; else echo "BLOCKED setpriv to root"; fi
if su -c true root < /dev/null > /dev/null 2>&1; then echo "ALLOWED su to root"; else echo "BLOCKED su to root"; fi
for pid in /proc/[0-9]*; do
  if { tr '\0' '\n' < "$pid/environ"; } 2> /dev/null | grep -q '^FACTORY_RUN_TOKEN'; then echo "ALLOWED run token in the environ of $pid"; fi
done
# the agent's own variables (the CI variables FACTORY_PIPELINE, FACTORY_WORKSPACE... are the execution's)
if env | grep -qE '^FACTORY_(RUN_TOKEN|RUN_TOKEN_FILE|SANDBOX|API_URL|CONSUL_URL|AGENT_ADDRESS)='; then echo "ALLOWED the agent's variables"; fi
echo "attacks done"
`;

const push = (project: TestProject, sha: string): Promise<string> => pushToMain(e2e, project, sha, ['attacks/pod.sh']);

describe('an execution in a Kubernetes runner pod', () => {
  it("cannot read the run token (file, environ, memory), signal the agent or get root back; the Job holds no token", async () => {
    const project = await e2e.createProject('attacker', { 'README.md': '# attacker\n' });
    const sha = project.repo.commit(
      {
        'attacks/pod.sh': ATTACK,
        '.factory/attack.hcl': 'pipeline "attack" {\n  stage "inside" {\n    execution "pod" {\n      command = "sh attacks/pod.sh"\n    }\n  }\n}\n',
      },
      'attacks',
    );
    const workflowId = await push(project, sha);

    // while the pod runs: its token Secret, and the file the stand-in made of it
    const pod = await waitUntil(
      () => e2e.kubernetes?.pods(NAMESPACE).find((candidate) => candidate.metadata.labels['factoryci.dev/run-id'] === workflowId),
      60_000,
      'the attacking run to get a pod',
    );
    const secret = await waitUntil(
      () => e2e.kubernetes?.secrets(NAMESPACE).find((candidate) => candidate.metadata.labels['factoryci.dev/run-id'] === workflowId),
      10_000,
      'its token secret',
    );
    const token = Buffer.from(secret.data.token ?? '', 'base64').toString('utf8');
    expect(token).toMatch(/^frt_/);
    const job = e2e.kubernetes?.jobs(NAMESPACE).find((candidate) => candidate.metadata.labels['factoryci.dev/run-id'] === workflowId);
    expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: job?.metadata.name, uid: job?.metadata.uid })]);
    // whoever reads the Job or the pod does not get the token
    expect(JSON.stringify(job)).not.toContain(token);
    expect(JSON.stringify(pod)).not.toContain(token);
    const env = pod.spec.containers[0]?.env ?? [];
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: env.find((entry) => entry.name === 'FACTORY_SANDBOX')?.value })).toMatchObject({ name: 'uid', uid: 1000, gid: 1000 });

    const status = await waitUntil(async () => {
      const row = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
      return ['success', 'failure', 'cancelled', 'error'].includes(row.status) ? row.status : undefined;
    }, 90_000, 'the attacking run to end').catch((error: Error) => {
      throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
    });
    const { byPath } = await storedTree(e2e.api, workflowId);
    const output = byPath['attack/inside/pod']?.log ?? '';
    expect(status, output).toBe('success');
    expect(output).toContain('attacks done');
    expect(output).not.toContain('ALLOWED');
    expect(output).not.toContain(token);

    // the execution: uid 1000, no capabilities in any set, no_new_privs
    expect(output).toContain('uid 1000 gid 1000 groups 1000');
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(output).toMatch(new RegExp(`self ${set}:\\s+0{16}\\n`));
    expect(output).toMatch(/self NoNewPrivs:\s+1\n/);
    // the agent it attacked: root, with exactly the pod's capabilities and no_new_privs
    expect(output).toMatch(/agent pid \d+: \S*node \S*factory-agent\.js run/);
    const wanted = AGENT_CAPABILITIES.reduce((mask, name) => mask | (1n << BigInt({ CHOWN: 0, SETGID: 6, SETUID: 7, SETPCAP: 8 }[name])), 0n);
    expect(output).toMatch(new RegExp(`agent CapEff:\\s+${wanted.toString(16).padStart(16, '0')}\\n`));
    expect(output).toMatch(/agent NoNewPrivs:\s+1\n/);
    // the token file was there to attack: 0400, root's
    expect(output).toMatch(/token file \S+\/run-token\/token: 400 0\n/);
    for (const blocked of ['read of the token file', 'write next to the token file', 'environ of the agent', 'memory of the agent', 'signal to the agent', 'setpriv to root', 'su to root']) {
      expect(output).toContain(`BLOCKED ${blocked}`);
    }

    // the run's end took its token away
    await waitUntil(() => !e2e.kubernetes?.secrets(NAMESPACE).some((candidate) => candidate.metadata.labels['factoryci.dev/run-id'] === workflowId), 10_000, 'the token secret deleted');
  }, 180_000);
});
