import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanJson } from '@factoryci/config';
import { groupAlive } from './process-group.js';

/** These tests run the real, built CLI (`npx tsc -b` first; `npm test` does). */
const BIN = fileURLToPath(new URL('../bin/factory-agent.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const done = new Promise<Outcome>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, out, done };
}
const cli = (args: string[], cwd: string, env?: Record<string, string>) => startCli(args, cwd, env).done;

const dirs: string[] = [];
/** A checkout with `.factory/<name>` files. */
function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'factory-cli-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.factory'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, '.factory', name), content);
  return dir;
}

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run "npx tsc -b" before these tests`);
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const BUILD = `
pipeline "build" {
  env = { GREETING = "hello" }
  stage "compile" {
    execution "tsc" {
      command = "echo $GREETING from $FACTORY_PIPELINE; echo warn >&2"
    }
  }
  stage "test" {
    execution "unit" { command = "echo unit ok" }
    execution "lint" { command = "echo lint ok" }
  }
}
`;
const DEPLOY = `
pipeline "deploy" {
  depends_on = ["build"]
  filter { branches = ["main"] }
  stage "ship" {
    execution "helm" {
      command = "echo deploying with $KUBE_TOKEN"
      secrets = ["KUBE_TOKEN"]
    }
  }
}

pipeline "pr-check" {
  filter { events = ["pull_request"] }
  stage "check" {
    execution "title" { command = "true" }
  }
}
`;

describe.concurrent('factory-agent validate', () => {
  it('prints a one-line summary and exits 0', async () => {
    const dir = checkout({ 'build.hcl': BUILD, 'deploy.hcl': DEPLOY });
    const result = await cli(['validate'], dir);
    expect(result).toMatchObject({ code: 0, stdout: '.factory: 2 files, 3 pipelines, 4 stages, 5 executions\n' });
  });

  it('prints every diagnostic as file:line:col and exits 2', async () => {
    const dir = checkout({
      'a.hcl': 'pipeline "build" {\n  stage "s" {\n    execution "e" {\n      comand = "true"\n    }\n  }\n}\n',
      'b.hcl': 'pipeline "deploy" {\n  depends_on = ["nope"]\n  stage "s" {\n    execution "e" { command = "true" }\n  }\n}\n',
    });
    const result = await cli(['validate', '--dir', '.factory'], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain('.factory/a.hcl:4:7: unknown attribute "comand" in execution "e"; did you mean "command"?');
    expect(lines).toContain('.factory/b.hcl:2:17: depends_on names unknown pipeline "nope"');
    expect(lines.filter((line) => /^\.factory\/[ab]\.hcl:\d+:\d+: /.test(line))).toHaveLength(3);
  });

  it('exits 2 for a missing directory, unknown flags, unknown commands; --help exits 0', async () => {
    const dir = checkout({ 'build.hcl': BUILD });
    const [missing, unknownFlag, unknownCommand, none, ...helps] = await Promise.all(
      [['validate', '--dir', 'missing'], ['validate', '--bogus'], ['deploy'], [], ['validate', '--help'], ['plan', '--help'], ['run', '-h'], ['--help']].map(
        (args) => cli(args, dir),
      ),
    );
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('missing: directory not found') });
    expect(unknownFlag).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--bogus'") });
    expect(unknownCommand).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "deploy"') });
    expect(none?.code).toBe(2);
    for (const [i, command] of ['validate', 'plan', 'run', '<command>'].entries()) {
      expect(helps[i]).toMatchObject({ code: 0, stdout: expect.stringContaining(`usage: factory-agent ${command}`) });
    }
  });
});

describe.concurrent('hostile configurations: a located error, exit 2, no stack trace', () => {
  const cases: Record<string, { write(dir: string): void; error: RegExp }> = {
    'a 50 MB file': {
      write: (dir) => {
        writeFileSync(join(dir, '.factory', 'big.hcl'), '');
        truncateSync(join(dir, '.factory', 'big.hcl'), 50 * 1024 * 1024);
      },
      error: /^\.factory\/big\.hcl: file is too large \(52428800 bytes; a configuration file may have at most 512 KiB\)$/m,
    },
    'random bytes': {
      write: (dir) => writeFileSync(join(dir, '.factory', 'random.hcl'), Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 7919 + 13) % 256))),
      error: /^\.factory\/random\.hcl:1:\d+: not a text file \((invalid UTF-8|control character U\+[0-9A-F]{4})\): a configuration file must be UTF-8 text$/m,
    },
    '100,000 nested brackets': {
      write: (dir) => writeFileSync(join(dir, '.factory', 'deep.hcl'), `x = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
      error: /^\.factory\/deep\.hcl:1:69: nested too deeply \(more than 64 levels of brackets, braces, templates or operators\)$/m,
    },
    '10,000 unknown depends_on names': {
      write: (dir) =>
        writeFileSync(
          join(dir, '.factory', 'deps.hcl'),
          `pipeline "x" {\n  depends_on = [${Array.from({ length: 10_000 }, (_, i) => `"d${i}"`).join(', ')}]\n  stage "s" {\n    execution "e" { command = "true" }\n  }\n}\n`,
        ),
      error: /^\.factory\/deps\.hcl:2:16: depends_on lists 10000 pipelines; a configuration has at most 1000$/m,
    },
  };
  for (const [name, { write, error }] of Object.entries(cases)) {
    it(`validate, plan and run report ${name}`, async () => {
      const dir = checkout({});
      write(dir);
      for (const args of [['validate'], ['plan', '--event', 'push', '--branch', 'main'], ['run', '--event', 'push', '--branch', 'main']]) {
        const result = await cli(args, dir);
        expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(error);
        expect(result.stderr).toContain(`factory-agent ${args[0]}: 1 configuration error\n`);
        expect(result.stderr).not.toMatch(/internal error|\n\s+at |fatal error|goroutine/);
      }
    }, 120_000);
  }
});

describe.concurrent('factory-agent plan', () => {
  it('shows order, stages, executions and the filter that skipped a pipeline', async () => {
    const dir = checkout({ 'build.hcl': BUILD, 'deploy.hcl': DEPLOY });
    const result = await cli(['plan', '--event', 'push', '--branch', 'main'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('runs 2 pipelines, in this order:');
    expect(result.stdout).toMatch(/1\. build\n\s+stage compile\n\s+tsc\s+\$ echo/);
    expect(result.stdout).toContain('2. deploy  (after build)');
    expect(result.stdout).toContain('stage test (2 executions in parallel)');
    expect(result.stdout).toMatch(/skipped:\n\s+pr-check\s+events: event "push" is not one of \["pull_request"\]/);
  });

  it('prints the plan as JSON with --json', async () => {
    const dir = checkout({ 'build.hcl': BUILD, 'deploy.hcl': DEPLOY });
    const result = await cli(['plan', '--event', 'push', '--branch', 'feature/x', '--json'], dir);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.order).toEqual(['build']);
    expect(plan.skipped.map((s: { name: string; reason: string }) => `${s.name}:${s.reason}`)).toEqual([
      'deploy:branches',
      'pr-check:events',
    ]);
  });

  it('treats a bad or missing event as a usage error', async () => {
    const dir = checkout({ 'build.hcl': BUILD });
    const cases = [['plan'], ['plan', '--event', 'merge', '--branch', 'main'], ['plan', '--event', 'push'], ['plan', '--event', 'tag']];
    const results = await Promise.all(cases.map((args) => cli(args, dir)));
    for (const [i, result] of results.entries()) {
      expect(result.code, cases[i]?.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: factory-agent plan');
    }
  });
});

describe.concurrent('factory-agent run', () => {
  it('runs the plan, prefixes output lines, masks secrets, prints the summary and exits 0', async () => {
    const dir = checkout({ 'build.hcl': BUILD, 'deploy.hcl': DEPLOY });
    const result = await cli(['run', '--event', 'push', '--branch', 'main', '--secret', 'KUBE_TOKEN=kube-s3cret-value'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('build/compile/tsc | hello from build\n');
    expect(result.stdout).toContain('build/compile/tsc | warn\n');
    expect(result.stdout).toContain('deploy/ship/helm | deploying with ***\n');
    expect(result.stdout + result.stderr).not.toContain('kube-s3cret-value');
    expect(result.stdout).toMatch(/PIPELINE\s+STAGE\s+EXECUTION\s+STATUS\s+DURATION\s+DETAIL/);
    expect(result.stdout).toMatch(/build\s+test\s+unit\s+success\s+\d/);
    expect(result.stdout).toMatch(/pr-check\s+-\s+-\s+skipped\s+-\s+filter events: event "push"/);
    expect(result.stdout).toContain('workflow success in');
  });

  it('masks every provided secret, also one taken from the environment and split across writes', async () => {
    const dir = checkout({
      'leak.hcl': `pipeline "leak" {
  stage "s" {
    execution "e" {
      env     = { A = "part-one-", B = "part-two", C = "never-declared-value" }
      command = "printf '%s' $A; sleep 0.2; printf '%s\\n' $B; echo $OWN; echo $C >&2"
      secrets = ["OWN"]
    }
  }
}
`,
    });
    const result = await cli(
      ['run', '--event', 'push', '--branch', 'main', '--secret', 'OWN', '--secret', 'SPLIT=part-one-part-two', '--secret', 'OTHER=never-declared-value'],
      dir,
      { OWN: 'own-value-from-env' },
    );
    expect(result.code).toBe(0);
    const all = result.stdout + result.stderr;
    for (const value of ['own-value-from-env', 'part-one', 'part-two', 'never-declared-value']) expect(all).not.toContain(value);
    expect(result.stdout.match(/leak\/s\/e \| \*\*\*\n/g)).toHaveLength(3);
  });

  it('exits 1 when an execution fails, skipping dependents, and reports a missing secret', async () => {
    const dir = checkout({
      'build.hcl': BUILD.replace('echo unit ok', 'echo unit broke; exit 7'),
      'deploy.hcl': DEPLOY,
    });
    const failed = await cli(['run', '--event', 'push', '--branch', 'main'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/build\s+test\s+unit\s+failure\s+\S+\s+exit code 7/);
    expect(failed.stdout).toMatch(/deploy\s+-\s+-\s+skipped\s+-\s+dependency "build" failed/);

    const noSecret = await cli(['run', '--event', 'push', '--branch', 'main'], checkout({ 'deploy.hcl': DEPLOY.replace('depends_on = ["build"]', '') }));
    expect(noSecret.code).toBe(1);
    expect(noSecret.stdout).toContain('deploy/ship/helm: error (declared secret "KUBE_TOKEN" not provided');
  });

  it('exits 2 on a configuration error, a bad --workdir or a bad --secret', async () => {
    const dir = checkout({ 'bad.hcl': 'pipeline "x" {\n  stage "s" {}\n  bogus = 1\n}\n' });
    const bad = await cli(['run', '--event', 'push', '--branch', 'main'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^\.factory\/bad\.hcl:\d+:\d+: /m);
    const usage = await Promise.all(
      [['--workdir', 'nowhere'], ['--secret', '1X=y'], ['--secret', 'UNSET_IN_ENV']].map((more) =>
        cli(['run', '--event', 'push', '--branch', 'main', ...more], dir),
      ),
    );
    expect(usage.map((u) => u.code)).toEqual([2, 2, 2]);
    expect(usage[0]?.stderr).toContain('--workdir nowhere: not a directory');
    expect(usage[2]?.stderr).toContain('UNSET_IN_ENV is not set in the environment');
  });

  it('runs another checkout with --workdir and prints a JSON result with --json (logs on stderr)', async () => {
    const dir = checkout({ 'build.hcl': BUILD, 'deploy.hcl': DEPLOY });
    const elsewhere = mkdtempSync(join(tmpdir(), 'factory-cwd-'));
    dirs.push(elsewhere);
    const result = await cli(['run', '--workdir', dir, '--event', 'pull_request', '--branch', 'develop', '--json'], elsewhere);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('build/compile/tsc | hello from build');
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ version: 1, status: 'success', exitCode: 0, context: { event: 'pull_request', branch: 'develop' } });
    expect(doc.pipelines.map((p: { name: string }) => p.name)).toEqual(['build', 'pr-check']);
    expect(doc.pipelines[0].stages[1].executions[0]).toMatchObject({ name: 'unit', status: 'success', exitCode: 0 });
    expect(typeof doc.pipelines[0].stages[1].executions[0].durationMs).toBe('number');
    expect(doc.skipped).toEqual([{ name: 'deploy', reason: 'branches', message: 'branch "develop" matches none of ["main"]' }]);
    expect(result.stdout).not.toContain('hello from build');
  });

});

describe('factory-agent run with a matrix', () => {
  const MATRIX = `
pipeline "test" {
  matrix {
    node = ["18", "20"]
  }
  stage "unit" {
    execution "shard" {
      command = "echo node $MATRIX_NODE shard $MATRIX_SHARD; [ $MATRIX_NODE$MATRIX_SHARD != 202 ]"
      matrix {
        shard = [1, 2]
      }
    }
  }
}
pipeline "after" {
  depends_on = ["test"]
  stage "s" {
    execution "e" { command = "echo after" }
  }
}
`;
  it('runs every copy with its values; a failed copy fails its pipeline copy, and depends_on waits for all copies', async () => {
    const dir = checkout({ 'm.hcl': MATRIX });
    const result = await cli(['run', '--event', 'push', '--branch', 'main', '--json'], dir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('test (node=18)/unit/shard (shard=2) | node 18 shard 2\n');
    const doc = JSON.parse(result.stdout) as { pipelines: { name: string; status: string; stages: { executions: { name: string; status: string }[] }[] }[] };
    expect(doc.pipelines.map((p) => [p.name, p.status, p.stages.flatMap((s) => s.executions.map((e) => `${e.name}: ${e.status}`))])).toEqual([
      ['test (node=18)', 'success', ['shard (shard=1): success', 'shard (shard=2): success']],
      ['test (node=20)', 'failure', ['shard (shard=1): success', 'shard (shard=2): failure']],
      ['after', 'skipped', ['e: skipped']],
    ]);
  });
});

describe('factory-agent run, cancelled', () => {
  it('cancels on SIGINT: kills the running process group, reports what was cancelled, exits 130', async () => {
    const dir = checkout({
      'slow.hcl': `pipeline "slow" {
  stage "wait" {
    execution "sleepy" { command = "echo $$ > pgid; echo sleeping; sleep 30" }
  }
  stage "after" {
    execution "never" { command = "touch never" }
  }
}
pipeline "next" {
  depends_on = ["slow"]
  stage "s" {
    execution "e" { command = "touch next" }
  }
}
`,
    });
    const run = startCli(['run', '--event', 'push', '--branch', 'main'], dir);
    const deadline = Date.now() + 10_000;
    while (!run.out.stdout.includes('slow/wait/sleepy | sleeping') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const pgid = Number(readFileSync(join(dir, 'pgid'), 'utf8'));
    expect(groupAlive(pgid)).toBe(true);
    const signalled = Date.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(Date.now() - signalled).toBeLessThan(3000);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT received, cancelling the run');
    expect(result.stdout).toMatch(/slow\s+wait\s+sleepy\s+cancelled\s+\S+\s+cancelled while running/);
    expect(result.stdout).toMatch(/next\s+s\s+e\s+cancelled\s+-\s+run cancelled before it started/);
    expect(result.stdout).toContain('cancelled while running: slow/wait/sleepy');
    expect(result.stdout).toContain('cancelled before starting: slow/after/never, next/s/e');
    expect(groupAlive(pgid)).toBe(false);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(existsSync(join(dir, 'next'))).toBe(false);
  });

  it('cancels the same way on SIGTERM', async () => {
    const dir = checkout({
      'one.hcl': 'pipeline "p" {\n  stage "s" {\n    execution "e" { command = "echo $$ > pgid; echo up; sleep 30" }\n  }\n}\n',
    });
    const run = startCli(['run', '--event', 'push', '--branch', 'main', '--json'], dir);
    const deadline = Date.now() + 10_000;
    while (!run.out.stderr.includes('p/s/e | up') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(130);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ status: 'cancelled', exitCode: 130 });
    expect(doc.pipelines[0].stages[0].executions[0]).toMatchObject({ status: 'cancelled', signal: 'SIGTERM', exitCode: null });
    expect(groupAlive(Number(readFileSync(join(dir, 'pgid'), 'utf8')))).toBe(false);
  });
});

describe('factory-agent on examples/.factory', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  it('validates and plans the example configuration', async () => {
    const validate = await cli(['validate', '--dir', 'examples/.factory'], root);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^examples\/\.factory: \d+ files, \d+ pipelines, \d+ stages, \d+ executions\n$/);
    const plan = await cli(['plan', '--dir', 'examples/.factory', '--event', 'push', '--branch', 'main', '--json'], root);
    expect(plan.code, plan.stderr).toBe(0);
    const json = JSON.parse(plan.stdout) as PlanJson;
    // the matrix pipeline compat appears as its copies, each with its values
    expect(json.version).toBe(1);
    expect(json.order).toEqual(['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'deploy']);
    expect(json.pipelines.map((pipeline) => pipeline.matrix)).toEqual([null, { os: 'linux', node: '20' }, { os: 'linux', node: '22' }, { os: 'mac', node: '22' }, null]);
    const text = await cli(['plan', '--dir', 'examples/.factory', '--event', 'push', '--branch', 'main'], root);
    expect(text.stdout).toContain('  4. compat (os=mac, node=22)\n       stage check\n         versions  $ echo "checking $MATRIX_OS with node $MATRIX_NODE"\n');
  });

  it('runs the example configuration on this checkout', async () => {
    const args = ['run', '--dir', 'examples/.factory', '--event', 'push', '--branch', 'main', '--secret', 'DEPLOY_TOKEN=example-token-123'];
    const run = await cli(args, root);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('workflow success in');
    expect(run.stdout).not.toContain('example-token-123');
    expect(run.stdout).toContain('| deploying with token ***');
    // each matrix copy ran with its values, its lines and summary row under its name
    expect(run.stdout).toContain('compat (os=mac, node=22)/check/versions | checking mac with node 22\n');
    expect(run.stdout).toMatch(/^compat \(os=linux, node=20\) +check +versions +success /m);
  });
});
