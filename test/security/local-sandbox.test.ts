/**
 * Attacks from inside an execution on the local runner (the embedded default), with the whole system running: the
 * API, the orchestrator process (holding FACTORY_ENCRYPTION_KEY and DATABASE_URL), its agents, and a concurrent
 * "victim" run of another project. Each attack is a script of the attacking repository (`attacks/*.sh`) that prints
 * `ALLOWED …` when it got through and `BLOCKED …` when it did not; the test also checks the host afterwards.
 * Runs as root, as CI does: the sandbox drops executions to an unprivileged uid (docs/security.md).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { testDatabaseServerUrl, testRedisUrl } from '../support/services.js';
import { startE2E, storedTree, waitUntil, type E2E } from '../e2e/harness.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/send-sample-push.mjs', import.meta.url));
const ATTACKS = fileURLToPath(new URL('./attacks/', import.meta.url));
const INSTALL_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

let e2e: E2E;
/** Outside every hidden path: a directory anyone may write to, holding a file only root may read. */
let outside: string;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['victim', 'attacker'] });
  outside = mkdtempSync('/var/tmp/factoryci-security-');
  chmodSync(outside, 0o777);
  writeFileSync(join(outside, 'root-only'), 'root-secret\n', { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

async function push(project: { id: string; secret: string; repo: { path: string } }): Promise<string> {
  const sent = await run(process.execPath, [SCRIPT, '--project', project.id, '--secret', project.secret, '--repo', project.repo.path, '--api', e2e.apiUrl], {
    env: { PATH: process.env.PATH ?? '', FACTORY_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const workflowId = /"workflow_id":"([0-9a-f-]+)"/.exec(sent.stdout)?.[1];
  if (!workflowId) throw new Error(`no workflow started: ${sent.stdout}`);
  return workflowId;
}

/** The run directory the orchestrator logged for the run. */
function runDirectory(runId: string): string | undefined {
  for (const line of e2e.orchestrator.output().split('\n')) {
    if (!line.includes('started local agent')) continue;
    try {
      const entry = JSON.parse(line) as { runId?: string; directory?: string };
      if (entry.runId === runId) return entry.directory;
    } catch {
      // not a log line
    }
  }
  return undefined;
}

/** `pid` and all its descendants on the host. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

async function finalStatus(workflowId: string): Promise<string> {
  return waitUntil(async () => {
    const row = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    return ['success', 'failure', 'cancelled', 'error'].includes(row.status) ? row.status : undefined;
  }, 90_000, `workflow ${workflowId} to end`).catch((error: Error) => {
    throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
  });
}

describe('an execution on the local runner is sandboxed from FactoryCI and from other runs', () => {
  it('cannot see or read the API, the orchestrator, the agents, other runs, FactoryCI files or root files, nor write outside its workspace', async () => {
    // a victim run of another project, still running while the attack runs
    const victim = await e2e.createProject('victim', {
      '.factory/victim.hcl': 'pipeline "victim" {\n  stage "s" {\n    execution "holds" {\n      command = "echo victim-data > victim.txt && sleep 60"\n    }\n  }\n}\n',
    });
    const victimRun = await push(victim);
    const victimDir = await waitUntil(() => {
      const dir = runDirectory(victimRun);
      return dir && existsSync(join(dir, 'workspace', 'victim.txt')) ? dir : undefined;
    }, 60_000, 'the victim execution to run');
    const victimGroup = (JSON.parse(readFileSync(join(victimDir, 'run.json'), 'utf8')) as { pid: number }).pid;
    const stateDir = join(victimDir, '..');
    const hostPids = [process.pid, e2e.orchestrator.child.pid as number, ...processTree(victimGroup)];
    // API (this process), orchestrator, the victim's supervisor, agent, sandbox and shell
    expect(hostPids.length).toBeGreaterThan(6);

    const attacker = await e2e.createProject('attacker', { 'README.md': '# attacker\n' });
    const env = [
      `HOST_PIDS = "${hostPids.join(' ')}"`,
      `VICTIM_WS = "${join(victimDir, 'workspace')}"`,
      `VICTIM_RUN = "${victimRun}"`,
      `STATE_DIR = "${stateDir}"`,
      `ROOT_SECRET = "${join(outside, 'root-only')}"`,
      `OUTSIDE_DIR = "${outside}"`,
      `INSTALL_ROOT = "${INSTALL_ROOT}"`,
      `DB_PORT = "${new URL(testDatabaseServerUrl).port}"`,
      `REDIS_PORT = "${new URL(testRedisUrl).port}"`,
    ].join(', ');
    attacker.repo.commit(
      {
        'attacks/processes.sh': readFileSync(join(ATTACKS, 'processes.sh'), 'utf8'),
        'attacks/files.sh': readFileSync(join(ATTACKS, 'files.sh'), 'utf8'),
        'attacks/services.sh': readFileSync(join(ATTACKS, 'services.sh'), 'utf8'),
        '.factory/attack.hcl': [
          'pipeline "attack" {',
          `  env = { ${env} }`,
          '  stage "inside" {',
          '    execution "processes" {',
          '      command = "OWN_RUN_DIR=$(dirname \\"$FACTORY_WORKSPACE\\") sh attacks/processes.sh"',
          '    }',
          '    execution "files" {',
          '      command = "OWN_RUN_DIR=$(dirname \\"$FACTORY_WORKSPACE\\") sh attacks/files.sh"',
          '    }',
          '    execution "services" {',
          '      command = "sh attacks/services.sh"',
          '    }',
          '  }',
          '}',
          '',
        ].join('\n'),
      },
      'attacks',
    );
    const attackRun = await push(attacker);
    expect(await finalStatus(attackRun)).toBe('success');
    const { byPath } = await storedTree(e2e.api, attackRun);
    const processes = byPath['attack/inside/processes']?.log ?? '';
    const files = byPath['attack/inside/files']?.log ?? '';
    const services = byPath['attack/inside/services']?.log ?? '';
    const output = `${processes}\n${files}\n${services}`;
    expect(output).not.toContain('ALLOWED');

    // processes: only the sandbox's own (bubblewrap's init, the shell, the script), none of FactoryCI's or the victim's
    const visible = Number(/visible processes: (\d+)/.exec(processes)?.[1]);
    expect(visible).toBeGreaterThan(0);
    expect(visible).toBeLessThan(6);
    expect(processes).not.toMatch(/sees pid \d+: .*(factory-agent|orchestrator|vitest|sleep 60|main\.ts)/);
    for (const pid of hostPids) {
      expect(processes).toContain(`BLOCKED environ of host pid ${pid}`);
      expect(processes).toContain(`BLOCKED memory of host pid ${pid}`);
      expect(processes).toContain(`BLOCKED signal to host pid ${pid}`);
    }

    // files
    expect(files).toMatch(/uid [1-9]\d* gid [1-9]\d*/);
    for (const blocked of [
      'running as root',
      "read of the victim run's workspace",
      "read of root's 0600 file",
      'read of .data/factory.env',
      'listing of .data/',
      `write outside the workspace (${outside})`,
      'write to /usr/local',
      'write to the state directory',
      "write to the run's own output log",
      "read of the run's own state (run.json)",
    ]) {
      expect(files).toContain(`BLOCKED ${blocked}`);
    }
    expect(files).toContain(`state directory lists: ${attackRun} `);
    expect(files).toContain('installation directory lists: 0 entries');
    // FactoryCI's MariaDB and Redis (reachable on loopback) refuse it: they have passwords only FactoryCI holds
    expect(services).toMatch(/BLOCKED MariaDB as root without a password: .*Access denied/);
    expect(services).toMatch(/BLOCKED MariaDB as an anonymous user: .*Access denied/);
    expect(services).toMatch(/BLOCKED Redis without a password: .*NOAUTH/);

    // it did work where it may
    expect(files).toContain('wrote in the workspace');
    expect(files).toContain('wrote in HOME');
    expect(files).toContain('wrote in /tmp');
    // and nothing reached the host outside its workspace
    expect(existsSync(join(outside, 'pwned'))).toBe(false);
    expect(existsSync('/usr/local/pwned')).toBe(false);
    expect(existsSync(join(stateDir, 'pwned'))).toBe(false);
    expect(existsSync('/tmp/written-by-execution')).toBe(false);
    expect(readFileSync(join(victimDir, 'output.log'), 'utf8')).not.toContain('forged');
    expect(e2e.orchestrator.output()).toContain('"sandbox":"bwrap"');

    await fetch(`${e2e.apiUrl}/workflow/cancel?id=${victimRun}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  }, 180_000);
});
