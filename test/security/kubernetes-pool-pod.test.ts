/**
 * Attacks from inside an execution of a claimed warm agent on the Kubernetes runner (docs/security.md, "The claim
 * channel"), with the whole system running: the API, the orchestrator process with a pool of one idle agent
 * (FACTORY_K8S_POOL_SIZE=1) registered in the Consul stand-in, and the Kubernetes stand-in running the real
 * factory-agent as root with the pod's capabilities. The run goes to the idle agent over the claim channel; its
 * execution tries to read the claim key (mounted 0400 root, as the token of a fresh Job is) and the agent's
 * environment and memory. It prints `ALLOWED …` when an attack got through and `BLOCKED …` when it did not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE, startE2E, storedTree, waitUntil, pushToMain, type E2E } from '../e2e/harness.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'kubernetes', consul: true, repositories: ['attacker'], orchestratorEnv: { FACTORY_K8S_POOL_SIZE: '1' } });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const ATTACK = String.raw`#!/bin/sh
echo "uid $(id -u)"
agent=$PPID
while [ "$agent" -gt 1 ] && ! grep -qE '^Uid:\s+0\s' "/proc/$agent/status"; do
  agent=$(awk '/^PPid:/ { print $2 }' "/proc/$agent/status")
done
echo "agent pid $agent: $(tr '\0' ' ' < "/proc/$agent/cmdline")"
found=0
for file in /var/run/secrets/factoryci-claim/key "$(dirname "$FACTORY_WORKSPACE")/claim-key/key"; do
  [ -e "$file" ] || continue
  found=1
  echo "claim key file $file: $(stat -c '%a %u' "$file")"
  if cat "$file" > /dev/null 2>&1; then echo "ALLOWED read of the claim key"; else echo "BLOCKED read of the claim key"; fi
done
[ "$found" = 1 ] || echo "ALLOWED: no claim key file found to attack"
if cat "/proc/$agent/environ" > /dev/null 2>&1; then echo "ALLOWED environ of the agent"; else echo "BLOCKED environ of the agent"; fi
if head -c 1 "/proc/$agent/mem" > /dev/null 2>&1; then echo "ALLOWED memory of the agent"; else echo "BLOCKED memory of the agent"; fi
if env | grep -qE '^FACTORY_(AGENT_CLAIM|AGENT_CLAIM_KEY_FILE|AGENT_POD_NAME|RUN_TOKEN)='; then echo "ALLOWED the agent's claim variables"; fi
echo "attacks done"
`;

describe('an execution in a claimed warm agent pod', () => {
  it('runs on the claimed idle agent, whose token came over the claim channel, and cannot read its claim key', async () => {
    const project = await e2e.createProject('attacker', { 'README.md': '# attacker\n' });
    // the pool's idle agent, registered in Consul
    await waitUntil(() => e2e.consul?.checks().some((check) => check.ServiceID.startsWith('idle-') && check.Status === 'passing'), 60_000, 'an idle agent');
    const sha = project.repo.commit(
      {
        'attacks/claim.sh': ATTACK,
        '.factory/attack.hcl': 'pipeline "attack" {\n  stage "inside" {\n    execution "pod" {\n      command = "sh attacks/claim.sh"\n    }\n  }\n}\n',
      },
      'attacks',
    );
    const workflowId = await pushToMain(e2e, project, sha, ['attacks/claim.sh']);
    const job = await waitUntil(
      () => e2e.kubernetes?.jobs(NAMESPACE).find((candidate) => candidate.metadata.labels['factoryci.dev/run-id'] === workflowId),
      60_000,
      'the attacking run to get a job',
    );
    expect(job.metadata.name).toMatch(/^factory-idle-/);
    // no token Secret: the token went over the claim channel
    expect(e2e.kubernetes?.secrets(NAMESPACE).some((secret) => secret.metadata.labels['factoryci.dev/run-id'] === workflowId)).toBe(false);

    const ended = await waitUntil(async () => {
      const row = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
      return ['success', 'failure', 'cancelled', 'error'].includes(row.status) ? row : undefined;
    }, 90_000, 'the attacking run to end').catch((error: Error) => {
      throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
    });
    const status = ended.status;
    const claimed = e2e.kubernetes?.jobs(NAMESPACE).find((candidate) => candidate.metadata.name === job.metadata.name);
    expect(claimed?.metadata.labels['factoryci.dev/claimed']).toBe('true');
    const { byPath } = await storedTree(e2e.api, workflowId);
    const output = byPath['attack/inside/pod']?.log ?? '';
    expect(status, `${ended.statusReason ?? ''}\n${output}\n--- orchestrator ---\n${e2e.orchestrator.output().slice(-5000)}`).toBe('success');
    expect(output).toContain('attacks done');
    expect(output).toContain('uid 1000');
    expect(output).toMatch(/agent pid \d+: \S*node \S*factory-agent\.js run/);
    expect(output).toMatch(/claim key file \S+\/claim-key\/key: 400 0\n/);
    for (const blocked of ['read of the claim key', 'environ of the agent', 'memory of the agent']) expect(output).toContain(`BLOCKED ${blocked}`);
    expect(output).not.toContain('ALLOWED');
    // the pool started the claimed agent's replacement
    await waitUntil(
      () => e2e.kubernetes?.jobs(NAMESPACE).some((candidate) => candidate.metadata.labels['factoryci.dev/pool-agent'] && !candidate.metadata.labels['factoryci.dev/run-id']),
      30_000,
      'a replacement idle agent',
    );
  }, 180_000);
});
