import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createConsoleReporter } from './console-reporter.js';
import { runWorkflow } from './engine.js';
import { formatSummary, resultToJson } from './run-summary.js';
import type { EngineEvent, OutputEvent, RunnableExecution, RunnablePipeline, RunnableStage, WorkflowResult } from './run-model.js';

const workdir = mkdtempSync(join(tmpdir(), 'factory-conditions-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const exec = (name: string, command: string, more: Partial<RunnableExecution> = {}): RunnableExecution => ({ name, command, env: {}, secrets: [], ...more });
const stage = (name: string, executions: RunnableExecution[], more: Partial<RunnableStage> = {}): RunnableStage => ({ name, executions, ...more });
const pipeline = (name: string, stages: RunnableStage[], more: Partial<RunnablePipeline> = {}): RunnablePipeline => ({ name, dependsOn: [], env: {}, stages, ...more });

async function run(pipelines: RunnablePipeline[], controller?: AbortController, abortWhenRunning?: string) {
  const events: EngineEvent[] = [];
  const signal = controller?.signal;
  const result = await runWorkflow({
    plan: { context: { event: 'push', branch: 'main' }, pipelines, skipped: [] },
    workdir,
    baseEnv: { PATH: process.env.PATH },
    secrets: {},
    reporter: {
      onEvent: (event) => {
        events.push(structuredClone(event));
        if (event.type === 'status' && event.status === 'running' && event.node.execution === abortWhenRunning) controller?.abort();
      },
    },
    ...(signal ? { signal } : {}),
  });
  return { result, events };
}

/** `pipeline/stage: status` and `pipeline/stage/execution: status` of every node, in order. */
const statuses = (result: WorkflowResult) =>
  result.pipelines.flatMap((p) => [
    `${p.name}: ${p.status}`,
    ...p.stages.flatMap((s) => [`${p.name}/${s.name}: ${s.status}`, ...s.executions.map((e) => `${p.name}/${s.name}/${e.name}: ${e.status}`)]),
  ]);

describe('run conditions', () => {
  it('an "on_failure" pipeline after one skipped because of a failure further up runs; after a filter-free success chain it does not', async () => {
    const chain = (command: string) => [
      pipeline('build', [stage('test', [exec('unit', command)])]),
      pipeline('deploy', [stage('ship', [exec('go', 'true')])], { dependsOn: ['build'] }),
      pipeline('rollback', [stage('undo', [exec('revert', 'true')])], { dependsOn: ['deploy'], when: 'on_failure' }),
    ];
    const failed = await run(chain('exit 1'));
    expect(statuses(failed.result).filter((line) => !line.includes('/'))).toEqual(['build: failure', 'deploy: skipped', 'rollback: success']);
    expect(failed.result.pipelines[1]?.reason).toBe('dependency "build" failed');
    const passed = await run(chain('true'));
    expect(statuses(passed.result).filter((line) => !line.includes('/'))).toEqual(['build: success', 'deploy: success', 'rollback: skipped']);
  });

  it('runs an "always" stage and an "on_failure" pipeline after a failure, and skips what waits for success', async () => {
    const { result } = await run([
      pipeline('build', [
        stage('test', [exec('unit', 'exit 3')]),
        stage('package', [exec('pack', 'true')]),
        stage('cleanup', [exec('rm', 'true')], { when: 'always' }),
        stage('report', [exec('upload', 'true')], { when: 'on_failure' }),
      ]),
      pipeline('deploy', [stage('ship', [exec('go', 'true')])], { dependsOn: ['build'] }),
      pipeline('notify', [stage('tell', [exec('mail', 'true')])], { dependsOn: ['build'], when: 'on_failure' }),
      pipeline('audit', [stage('log', [exec('write', 'true')])], { dependsOn: ['build'], when: 'always' }),
    ]);
    expect(statuses(result)).toEqual([
      'build: failure',
      'build/test: failure',
      'build/test/unit: failure',
      'build/package: skipped',
      'build/package/pack: skipped',
      'build/cleanup: success',
      'build/cleanup/rm: success',
      'build/report: success',
      'build/report/upload: success',
      'deploy: skipped',
      'deploy/ship: skipped',
      'deploy/ship/go: skipped',
      'notify: success',
      'notify/tell: success',
      'notify/tell/mail: success',
      'audit: success',
      'audit/log: success',
      'audit/log/write: success',
    ]);
    expect(result.status).toBe('failure');
    expect(result.pipelines[0]?.stages[1]?.reason).toBe('stage "test" failed');
  });

  it('skips "on_failure" steps when nothing failed', async () => {
    const { result } = await run([
      pipeline('build', [stage('test', [exec('unit', 'true')]), stage('report', [exec('upload', 'true')], { when: 'on_failure' })]),
      pipeline('notify', [stage('tell', [exec('mail', 'true')])], { dependsOn: ['build'], when: 'on_failure' }),
    ]);
    expect(statuses(result)).toEqual([
      'build: success',
      'build/test: success',
      'build/test/unit: success',
      'build/report: skipped',
      'build/report/upload: skipped',
      'notify: skipped',
      'notify/tell: skipped',
      'notify/tell/mail: skipped',
    ]);
    expect(result.pipelines[1]?.reason).toBe('when = "on_failure": no dependency failed');
    expect(result.status).toBe('success');
  });

  it('runs no "always" step once the run is cancelled', async () => {
    const { result } = await run(
      [
        pipeline('build', [stage('test', [exec('slow', 'sleep 30')]), stage('cleanup', [exec('rm', 'true')], { when: 'always' })]),
        pipeline('audit', [stage('log', [exec('write', 'true')])], { dependsOn: ['build'], when: 'always' }),
      ],
      new AbortController(),
      'slow',
    );
    expect(statuses(result)).toEqual([
      'build: cancelled',
      'build/test: cancelled',
      'build/test/slow: cancelled',
      'build/cleanup: cancelled',
      'build/cleanup/rm: cancelled',
      'audit: cancelled',
      'audit/log: cancelled',
      'audit/log/write: cancelled',
    ]);
  });
});

describe('allowed failures', () => {
  it('shows the failure as allowed and does not fail the stage, the pipeline or the run', async () => {
    const { result, events } = await run([
      pipeline('build', [stage('test', [exec('unit', 'true'), exec('flaky', 'exit 1', { allowFailure: true })]), stage('next', [exec('go', 'true')])]),
    ]);
    expect(statuses(result)).toEqual([
      'build: success',
      'build/test: success',
      'build/test/unit: success',
      'build/test/flaky: failure',
      'build/next: success',
      'build/next/go: success',
    ]);
    expect(result.pipelines[0]?.stages[0]?.executions[1]).toMatchObject({ allowedFailure: true, exitCode: 1, reason: 'exit code 1' });
    expect(result.pipelines[0]?.stages[0]?.reason).toBe('allowed failure: "flaky"');
    const flakyEnd = events.find((e) => e.type === 'status' && e.node.execution === 'flaky' && e.status === 'failure');
    expect(flakyEnd).toMatchObject({ allowedFailure: true });
    expect(result.status).toBe('success');
    expect(formatSummary(result)).toMatch(/build +test +flaky +failure \(allowed\) .* exit code 1\n/);
    expect(resultToJson(result).pipelines[0]?.stages[0]?.executions.map((e) => e.allowedFailure)).toEqual([false, true]);
  });
});

describe('retries', () => {
  it('keeps each attempt with its own output and exit code; succeeds on the second attempt', async () => {
    const marker = join(workdir, 'second-time');
    const command = `if [ -e "${marker}" ]; then echo second; else touch "${marker}"; echo first; exit 7; fi`;
    const { result, events } = await run([pipeline('build', [stage('test', [exec('flaky', command, { retry: { max: 2, on: ['exit_code'] } })])])]);
    const flaky = result.pipelines[0]?.stages[0]?.executions[0];
    expect(flaky).toMatchObject({ status: 'success', exitCode: 0, attempt: 2 });
    expect(flaky?.retriedAttempts).toEqual([expect.objectContaining({ attempt: 1, status: 'failure', exitCode: 7, reason: 'exit code 7' })]);
    const outputs = events.filter((e): e is OutputEvent => e.type === 'output').map((e) => [e.attempt ?? 1, e.text]);
    expect(outputs).toEqual([
      [1, 'first\n'],
      [2, 'second\n'],
    ]);
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(1);
    expect(formatSummary(result)).toContain('on attempt 2 (1: exit code 7)');
    expect(resultToJson(result).pipelines[0]?.stages[0]?.executions[0]).toMatchObject({ attempt: 2, exitCode: 0, retriedAttempts: [{ attempt: 1, exitCode: 7 }] });
  });

  it('gives up after the last attempt, and does not retry a failure retry_on does not list', async () => {
    const { result } = await run([
      pipeline('build', [
        stage('test', [
          exec('always-fails', 'exit 2', { retry: { max: 2, on: ['exit_code'] } }),
          exec('times-out', 'sleep 5', { timeoutMs: 100, retry: { max: 2, on: ['exit_code'] } }),
        ]),
      ]),
    ]);
    const [fails, timesOut] = result.pipelines[0]?.stages[0]?.executions ?? [];
    expect(fails).toMatchObject({ status: 'failure', exitCode: 2, attempt: 3 });
    expect(fails?.retriedAttempts?.map((a) => [a.attempt, a.exitCode])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(timesOut?.status).toBe('failure');
    expect(timesOut?.retriedAttempts).toBeUndefined();
  });
});

describe('the console shows allowed failures and attempts', () => {
  it('prints each failed attempt\'s end and the next attempt\'s start, and an allowed failure as allowed', () => {
    let printed = '';
    const reporter = createConsoleReporter({ write: (text) => (printed += text), mask: (text) => text });
    const node = { kind: 'execution' as const, pipeline: 'p', stage: 's', execution: 'e' };
    const output = (text: string, seq: number, attempt?: number): OutputEvent => ({ type: 'output', pipeline: 'p', stage: 's', execution: 'e', stream: 'stdout', seq, text, at: '', ...(attempt ? { attempt } : {}) });
    reporter.onEvent({ type: 'status', node, status: 'running', at: '', startedAt: '' });
    reporter.onEvent(output('first', 0));
    reporter.onEvent({ type: 'attempt', node, at: '', attempt: 1, status: 'failure', exitCode: 7, reason: 'exit code 7', finishedAt: '' });
    reporter.onEvent(output('second\n', 1, 2));
    reporter.onEvent({ type: 'status', node, status: 'failure', at: '', startedAt: '', reason: 'exit code 1', attempt: 2, allowedFailure: true });
    expect(printed).toBe(
      [
        '--> p/s/e: started',
        'p/s/e | first',
        '<-- p/s/e: attempt 1 failure (exit code 7)',
        '--> p/s/e: attempt 2',
        'p/s/e | second',
        '<-- p/s/e: failure, allowed (attempt 2, exit code 1)',
        '',
      ].join('\n'),
    );
  });
});
