import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWorkflow, type EngineOptions } from './engine.js';
import { MASK } from './masker.js';
import { formatSummary } from './run-summary.js';
import { groupAlive } from './process-group.js';
import type {
  EngineEvent,
  ExecutionResult,
  OutputEvent,
  RunnableExecution,
  RunnablePipeline,
  StatusEvent,
  WorkflowResult,
} from './run-model.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'factory-engine-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const exec = (name: string, command: string, more: Partial<RunnableExecution> = {}): RunnableExecution => ({
  name,
  command,
  env: {},
  secrets: [],
  ...more,
});
const pipeline = (
  name: string,
  stages: [string, RunnableExecution[]][],
  more: Partial<RunnablePipeline> = {},
): RunnablePipeline => ({
  name,
  dependsOn: [],
  env: {},
  stages: stages.map(([stageName, executions]) => ({ name: stageName, executions })),
  ...more,
});

const baseEnv = { PATH: process.env.PATH };

async function run(pipelines: RunnablePipeline[], more: Partial<EngineOptions> = {}) {
  const events: EngineEvent[] = [];
  const workdir = more.workdir ?? tempDir();
  const result = await runWorkflow({
    plan: { context: { event: 'push', branch: 'main' }, pipelines, skipped: [] },
    workdir,
    baseEnv,
    secrets: {},
    reporter: { onEvent: (event) => events.push(structuredClone(event)) },
    ...more,
  });
  return { result, events, workdir };
}

function find(result: WorkflowResult, path: string): ExecutionResult {
  const [p, s, e] = path.split('/');
  const found = result.pipelines.find((x) => x.name === p)?.stages.find((x) => x.name === s)?.executions.find((x) => x.name === e);
  if (!found) throw new Error(`no execution ${path}`);
  return found;
}
const outputOf = (events: EngineEvent[], execution: string, stream: 'stdout' | 'stderr' = 'stdout') =>
  events
    .filter((e): e is OutputEvent => e.type === 'output' && e.execution === execution && e.stream === stream)
    .map((e) => e.text)
    .join('');
const ms = (iso: string | undefined) => Date.parse(iso as string);

describe('runWorkflow', () => {
  it('runs a pipeline whose dependency is reused (a re-run of the failed pipelines) and gives the trigger\'s inputs as INPUT_<NAME>', async () => {
    const deploy = pipeline('deploy', [['ship', [exec('say', 'echo "to $INPUT_TARGET"')]]], { dependsOn: ['build'] });
    const { result, events } = await run([deploy], {
      plan: { context: { event: 'manual', branch: 'main' }, pipelines: [deploy], skipped: [], reused: ['build'] },
      inputs: { TARGET: 'staging' },
    });
    expect(result.status).toBe('success');
    expect(outputOf(events, 'say')).toBe('to staging\n');
    expect(events.some((e) => e.type === 'status' && e.node.pipeline === 'build')).toBe(false);
    expect(result.reused).toEqual(['build']);
    expect(formatSummary(result)).toMatch(/^build +- +- +reused +- +succeeded in the workflow re-run; not run again$/m);
  });

  it('runs stages in order with the documented environment, and reports pending → running → success', async () => {
    const { result, events, workdir } = await run(
      [
        pipeline(
          'build',
          [
            ['first', [exec('one', 'echo first >> order.txt')]],
            [
              'second',
              [
                exec(
                  'two',
                  'echo second >> order.txt; echo "$CI $FACTORY $FACTORY_EVENT $FACTORY_BRANCH ${FACTORY_TAG-none} $FACTORY_PIPELINE/$FACTORY_STAGE/$FACTORY_EXECUTION $LEVEL $ONLY_P $TOKEN"; pwd',
                  { env: { LEVEL: 'execution' }, secrets: ['TOKEN'] },
                ),
              ],
            ],
          ],
          { env: { LEVEL: 'pipeline', ONLY_P: 'p' } },
        ),
      ],
      { secrets: { TOKEN: 'tok-value', OTHER: 'unused' } },
    );
    expect(result.status).toBe('success');
    expect(readFileSync(join(workdir, 'order.txt'), 'utf8')).toBe('first\nsecond\n');
    const [line, cwd] = outputOf(events, 'two').trim().split('\n');
    // The secret is in the environment but masked in the output.
    expect(line).toBe(`true true push main none build/second/two execution p ${MASK}`);
    expect(cwd).toBe(workdir);
    const two = find(result, 'build/second/two');
    expect(two).toMatchObject({ status: 'success', exitCode: 0 });
    expect(two.durationMs).toBeGreaterThanOrEqual(0);
    const statuses = events
      .filter((e): e is StatusEvent => e.type === 'status' && e.node.execution === 'two')
      .map((e) => e.status);
    expect(statuses).toEqual(['running', 'success']);
    const order = events.filter((e): e is StatusEvent => e.type === 'status').map((e) => `${e.node.kind}:${e.status}`);
    expect(order[0]).toBe('workflow:running');
    expect(order.at(-1)).toBe('workflow:success');
  });

  it('never reads process.env: only the given base env reaches commands', async () => {
    process.env.FACTORY_ENGINE_TEST_LEAK = 'leaked';
    try {
      const { events } = await run([pipeline('p', [['s', [exec('e', 'echo "${FACTORY_ENGINE_TEST_LEAK-unset}"')]]])]);
      expect(outputOf(events, 'e')).toBe('unset\n');
    } finally {
      delete process.env.FACTORY_ENGINE_TEST_LEAK;
    }
  });

  it('runs the executions of a stage in parallel', async () => {
    const started = Date.now();
    const { result } = await run([pipeline('p', [['s', [exec('a', 'sleep 1'), exec('b', 'sleep 1')]]])]);
    expect(result.status).toBe('success');
    expect(Date.now() - started).toBeLessThan(1800);
  });

  it('starts a dependent only after its dependency finished, and overlaps independent pipelines', async () => {
    const { result } = await run([
      pipeline('a', [['s', [exec('e', 'sleep 0.5')]]]),
      pipeline('c', [['s', [exec('e', 'sleep 0.5')]]]),
      pipeline('b', [['s', [exec('e', 'true')]]], { dependsOn: ['a'] }),
    ]);
    expect(result.status).toBe('success');
    const [a, c, b] = result.pipelines;
    expect(ms(b?.startedAt)).toBeGreaterThanOrEqual(ms(a?.finishedAt));
    expect(ms(c?.startedAt)).toBeLessThan(ms(a?.finishedAt));
    expect(ms(a?.startedAt)).toBeLessThan(ms(c?.finishedAt));
  });

  it('fails the stage and pipeline on a failing execution, skips later stages and dependents', async () => {
    const { result, workdir } = await run([
      pipeline('build', [
        ['test', [exec('bad', 'echo oops >&2; exit 3'), exec('good', 'sleep 0.2; touch good-ran')]],
        ['package', [exec('never', 'touch never-ran')]],
      ]),
      pipeline('deploy', [['ship', [exec('go', 'touch deployed')]]], { dependsOn: ['build'] }),
      pipeline('after-deploy', [['s', [exec('e', 'true')]]], { dependsOn: ['deploy'] }),
      pipeline('docs', [['s', [exec('e', 'true')]]]),
    ]);
    expect(result.status).toBe('failure');
    expect(find(result, 'build/test/bad')).toMatchObject({ status: 'failure', exitCode: 3, reason: 'exit code 3' });
    expect(find(result, 'build/test/good').status).toBe('success'); // siblings run to their end
    expect(existsSync(join(workdir, 'good-ran'))).toBe(true);
    const [build, deploy, afterDeploy, docs] = result.pipelines;
    expect(build?.stages[0]).toMatchObject({ status: 'failure', reason: 'execution "bad" failed' });
    expect(build?.stages[1]).toMatchObject({ status: 'skipped', reason: 'stage "test" failed' });
    expect(find(result, 'build/package/never').status).toBe('skipped');
    expect(build).toMatchObject({ status: 'failure', reason: 'stage "test" failed' });
    expect(deploy).toMatchObject({ status: 'skipped', reason: 'dependency "build" failed' });
    expect(deploy?.startedAt).toBeUndefined();
    expect(afterDeploy).toMatchObject({ status: 'skipped', reason: 'dependency "deploy" was skipped after a failure' });
    expect(docs?.status).toBe('success');
    expect(existsSync(join(workdir, 'never-ran'))).toBe(false);
    expect(existsSync(join(workdir, 'deployed'))).toBe(false);
  });

  it('stops a multi-line command at its first failing line (sh -e)', async () => {
    const { result, workdir } = await run([pipeline('p', [['s', [exec('e', 'false\ntouch after-false')]]])]);
    expect(find(result, 'p/s/e')).toMatchObject({ status: 'failure', exitCode: 1 });
    expect(existsSync(join(workdir, 'after-false'))).toBe(false);
  });

  it('kills the whole process group on timeout: a background child never writes its file', async () => {
    const workdir = tempDir();
    let pgid = 0;
    const started = Date.now();
    const { result, events } = await run(
      [pipeline('p', [['s', [exec('slow', 'echo $$ > pgid; (sleep 1; touch late-file) & sleep 30', { timeoutMs: 300 })]]])],
      { workdir },
    );
    expect(Date.now() - started).toBeLessThan(3000);
    pgid = Number(readFileSync(join(workdir, 'pgid'), 'utf8'));
    expect(find(result, 'p/s/slow')).toMatchObject({
      status: 'failure',
      reason: 'timed out after 300ms',
      exitCode: null,
      signal: 'SIGTERM',
    });
    expect(groupAlive(pgid)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(existsSync(join(workdir, 'late-file'))).toBe(false);
    expect(events.some((e) => e.type === 'status' && e.node.kind === 'pipeline' && e.status === 'failure')).toBe(true);
  });

  it('sends SIGKILL after the grace period when the group ignores SIGTERM', async () => {
    const started = Date.now();
    const { result } = await run([pipeline('p', [['s', [exec('stubborn', "trap '' TERM; sleep 30", { timeoutMs: 200 })]]])], {
      killGraceMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(find(result, 'p/s/stubborn')).toMatchObject({ status: 'failure', signal: 'SIGKILL', reason: 'timed out after 200ms' });
  });

  it('ends what a command left running in the background once its shell exits', async () => {
    const workdir = tempDir();
    const started = Date.now();
    const { result } = await run([pipeline('p', [['s', [exec('bg', 'echo $$ > pgid; sleep 30 & echo started')]]])], { workdir });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(find(result, 'p/s/bg').status).toBe('success');
    expect(groupAlive(Number(readFileSync(join(workdir, 'pgid'), 'utf8')))).toBe(false);
  });

  it('refuses to start an execution whose declared secret was not provided', async () => {
    const { result, workdir } = await run(
      [pipeline('p', [['s', [exec('needs', 'touch ran', { secrets: ['DEPLOY_KEY', 'PRESENT'] }), exec('other', 'true')]]])],
      { secrets: { PRESENT: 'x1y2z3' } },
    );
    expect(find(result, 'p/s/needs')).toMatchObject({
      status: 'error',
      reason: 'declared secret "DEPLOY_KEY" not provided; not started (an empty value is never substituted)',
    });
    expect(find(result, 'p/s/needs').startedAt).toBeUndefined();
    expect(existsSync(join(workdir, 'ran'))).toBe(false);
    expect(result.pipelines[0]?.stages[0]).toMatchObject({ status: 'failure', reason: 'execution "needs" could not start' });
    expect(result.status).toBe('failure');
  });

  it('reports a missing working directory as an error and runs in an existing one', async () => {
    const workdir = tempDir();
    mkdirSync(join(workdir, 'sub'));
    const { result, events } = await run(
      [pipeline('p', [['s', [exec('missing', 'true', { workingDir: 'nope' }), exec('sub', 'pwd', { workingDir: 'sub' })]]])],
      { workdir },
    );
    expect(find(result, 'p/s/missing')).toMatchObject({ status: 'error', reason: 'working directory "nope" does not exist in the checkout' });
    expect(outputOf(events, 'sub')).toBe(`${join(workdir, 'sub')}\n`);
  });

  it('refuses a working directory that leads out of the checkout through a symbolic link, and runs none of it', async () => {
    const workdir = tempDir();
    symlinkSync('/etc', join(workdir, 'app'));
    const { result, events } = await run([pipeline('p', [['s', [exec('escape', 'touch ran-outside; pwd', { workingDir: 'app' })]]])], { workdir });
    expect(find(result, 'p/s/escape')).toMatchObject({
      status: 'error',
      reason: 'working directory "app" is "/etc", outside the checkout (through a symbolic link); not started',
    });
    expect(find(result, 'p/s/escape').startedAt).toBeUndefined();
    expect(outputOf(events, 'escape')).toBe('');
  });

  it('masks every provided secret in output, also when a value is split across chunks', async () => {
    const { events } = await run(
      [
        pipeline('p', [
          [
            's',
            [
              exec('split', "printf 'abc'; sleep 0.2; printf 'DEF-42\\n'; echo other-secret-value >&2"),
              exec('plain', 'echo visible'),
            ],
          ],
        ]),
      ],
      { secrets: { MINE: 'abcDEF-42', NOT_DECLARED: 'other-secret-value' } },
    );
    const split = events.filter((e): e is OutputEvent => e.type === 'output' && e.execution === 'split');
    expect(split.map((e) => e.seq)).toEqual(split.map((_, i) => i));
    expect(outputOf(events, 'split')).toBe(`${MASK}\n`);
    expect(outputOf(events, 'split', 'stderr')).toBe(`${MASK}\n`);
    expect(outputOf(events, 'plain')).toBe('visible\n');
    expect(JSON.stringify(events)).not.toContain('abc');
  });

  it('cancels on abort: running group ended, the rest cancelled without starting', async () => {
    const workdir = tempDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const started = Date.now();
    const { result } = await run(
      [
        pipeline('p', [
          ['long', [exec('sleepy', 'echo $$ > pgid; sleep 30')]],
          ['later', [exec('after', 'touch after')]],
        ]),
        pipeline('q', [['s', [exec('e', 'touch q-ran')]]], { dependsOn: ['p'] }),
      ],
      { workdir, signal: controller.signal },
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.status).toBe('cancelled');
    expect(find(result, 'p/long/sleepy')).toMatchObject({ status: 'cancelled', reason: 'cancelled while running' });
    expect(find(result, 'p/long/sleepy').startedAt).toBeDefined();
    expect(find(result, 'p/later/after')).toMatchObject({ status: 'cancelled', reason: 'run cancelled before it started' });
    expect(find(result, 'p/later/after').startedAt).toBeUndefined();
    expect(result.pipelines[1]?.status).toBe('cancelled');
    expect(groupAlive(Number(readFileSync(join(workdir, 'pgid'), 'utf8')))).toBe(false);
    expect(existsSync(join(workdir, 'after'))).toBe(false);
    expect(existsSync(join(workdir, 'q-ran'))).toBe(false);
  });
});
