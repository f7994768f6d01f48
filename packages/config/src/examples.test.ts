import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { effectiveEnv, loadConfig, planToJson, planWorkflow, type PlanContext } from './index.js';

const examples = fileURLToPath(new URL('../../../examples/.factory', import.meta.url));

async function planOf(ctx: PlanContext) {
  const plan = planWorkflow(await loadConfig(examples), ctx);
  return { order: plan.pipelines.map((p) => p.name), skipped: Object.fromEntries(plan.skipped.map((s) => [s.name, s.reason])) };
}

describe('examples/.factory', () => {
  it('is valid and merges every file', async () => {
    const config = await loadConfig(examples);
    expect(config.files).toEqual(['build.hcl', 'compat.hcl', 'deploy.hcl', 'pr.hcl', 'release.hcl', 'runner.hcl', 'schedule.hcl']);
    expect(config.schedules).toEqual([{ name: 'nightly', cron: '0 3 * * *', location: { file: expect.stringMatching(/examples\/\.factory\/schedule\.hcl$/), line: 4, column: 10 } }]);
    expect(config.runner).toMatchObject({ image: 'node:20-bookworm', cpu: '1', memory: '1Gi' });
    expect(config.pipelines.map((p) => p.name)).toEqual(['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'deploy', 'pr-checks', 'docs', 'release']);
    // the matrix pipeline's copies: their values, as MATRIX_* variables too
    expect(config.pipelines.slice(1, 4).map((p) => [p.matrix, p.env])).toEqual([
      [{ os: 'linux', node: '20' }, { MATRIX_OS: 'linux', MATRIX_NODE: '20' }],
      [{ os: 'linux', node: '22' }, { MATRIX_OS: 'linux', MATRIX_NODE: '22' }],
      [{ os: 'mac', node: '22' }, { MATRIX_OS: 'mac', MATRIX_NODE: '22' }],
    ]);
    const build = config.pipelines[0];
    expect(build?.stages.map((s) => [s.name, s.executions.map((e) => e.name)])).toEqual([
      ['prepare', ['toolchain']],
      ['test', ['unit', 'lint', 'inventory']],
    ]);
    // the pipeline's timeout is the default of its executions
    expect(build?.stages[1]?.executions.map((e) => e.timeoutMs)).toEqual([60_000, 300_000, 300_000]);
    const deploy = config.pipelines.find((p) => p.name === 'deploy');
    expect(deploy?.dependsOn).toEqual(['build']);
    expect(deploy?.stages[0]?.executions[0]?.secrets).toEqual(['DEPLOY_TOKEN']);
    // release shows retry, allow_failure and a stage that runs whatever happened before it
    const release = config.pipelines.find((p) => p.name === 'release');
    expect(release?.stages.map((s) => [s.name, s.when])).toEqual([
      ['publish', undefined],
      ['cleanup', 'always'],
    ]);
    expect(release?.stages[0]?.executions.map((e) => [e.name, e.retry, e.allowFailure])).toEqual([
      ['notes', { max: 1, on: ['exit_code', 'timeout'] }, undefined],
      ['announce', undefined, true],
    ]);
  });

  it('plans a push to main: build, then deploy', async () => {
    expect(await planOf({ event: 'push', branch: 'main' })).toEqual({
      order: ['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'deploy'],
      skipped: { 'pr-checks': 'events', docs: 'events', release: 'events' },
    });
  });

  it('plans a push to a feature branch: build only', async () => {
    const plan = planWorkflow(await loadConfig(examples), { event: 'push', branch: 'feature/x' });
    expect(plan.pipelines.map((p) => p.name)).toEqual(['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)']);
    expect(plan.skipped.find((s) => s.name === 'deploy')).toEqual({
      name: 'deploy',
      reason: 'branches',
      message: 'branch "feature/x" matches none of ["main"]',
    });
  });

  it('plans a pull request: build and the PR-only pipelines; docs only when docs changed', async () => {
    expect(await planOf({ event: 'pull_request', branch: 'main' })).toEqual({
      order: ['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'pr-checks', 'docs'],
      skipped: { deploy: 'events', release: 'events' },
    });
    expect(await planOf({ event: 'pull_request', branch: 'main', changedPaths: ['src/index.ts'] })).toEqual({
      order: ['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'pr-checks'],
      skipped: { deploy: 'events', docs: 'paths', release: 'events' },
    });
  });

  it('plans a version tag: build, then release', async () => {
    expect(await planOf({ event: 'tag', tag: 'v1.2.0' })).toEqual({
      order: ['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'release'],
      skipped: { deploy: 'events', 'pr-checks': 'events', docs: 'events' },
    });
    const json = planToJson(planWorkflow(await loadConfig(examples), { event: 'tag', tag: 'v1.2.0' }));
    expect(json.order).toEqual(['build', 'compat (os=linux, node=20)', 'compat (os=linux, node=22)', 'compat (os=mac, node=22)', 'release']);
  });

  it('has commands that run with only sh and node, in a few seconds', async () => {
    const config = await loadConfig(examples);
    const runs = config.pipelines.flatMap((pipeline) =>
      pipeline.stages.flatMap((stage) =>
        stage.executions.map(
          (execution) =>
            new Promise<{ name: string; code: number | null; output: string }>((resolve, reject) => {
              const child = spawn('sh', ['-c', execution.command], {
                env: { ...process.env, ...effectiveEnv(pipeline, execution), DEPLOY_TOKEN: 'example-token' },
                stdio: ['ignore', 'pipe', 'pipe'],
              });
              let output = '';
              child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
              child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
              child.on('error', reject);
              child.on('close', (code) => resolve({ name: `${pipeline.name}/${stage.name}/${execution.name}`, code, output }));
            }),
        ),
      ),
    );
    const results = await Promise.all(runs);
    for (const result of results) expect(result.code, `${result.name}: ${result.output}`).toBe(0);
    expect(results.find((r) => r.name === 'build/test/unit')?.output).toContain('running unit tests in test mode');
    expect(results.find((r) => r.name === 'deploy/ship/release')?.output).toContain('deployed production');
    expect(results.find((r) => r.name === 'compat (os=mac, node=22)/check/versions')?.output).toBe('checking mac with node 22\n');
  });
});
