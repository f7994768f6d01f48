import { fileURLToPath } from 'node:url';
import { AGENT_PATHS, decodeLogFrames, encodeLogFrames, logFramesQuery, logFramesQuerySchema, planBodySchema, schemaCheck, statusReportSchema, type LogFramesBatch } from '@factoryci/agent-protocol';
import { loadConfig, planWorkflow } from '@factoryci/config';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentApiClient } from './api-client.js';
import { createApiReporter } from './api-reporter.js';
import { checkRunInfo, checkRunSecrets, needsSecrets, ProtocolError, withoutReused, type RunInfo } from './run-info.js';
import { planBody } from './server-run.js';

/** What the agent sends is what the API's schemas accept: each body checked with @factoryci/agent-protocol's schema. */

const EXAMPLES = fileURLToPath(new URL('../../../../examples/.factory', import.meta.url));
const checkPlan = schemaCheck(planBodySchema);
const checkStatus = schemaCheck(statusReportSchema);
const checkLogQuery = schemaCheck(logFramesQuerySchema);
/** What POST /agent/v1/log-frames carries for a batch (as the client sends it): its query checked, its frames decoded. */
const checkLog = (body: unknown) => {
  const batch = body as LogFramesBatch;
  const query = Object.fromEntries(new URLSearchParams(logFramesQuery(batch)));
  const decoded = decodeLogFrames(encodeLogFrames(batch.chunks.map((chunk) => chunk.data)));
  const texts = 'chunks' in decoded ? decoded.chunks.map((chunk) => chunk.toString('utf8')) : decoded;
  const seqs = batch.chunks.map((chunk) => chunk.seq);
  const consecutive = seqs.every((seq, i) => seq === (seqs[0] as number) + i);
  return checkLogQuery({ ...query, seq: Number(query.seq) }).ok && consecutive && JSON.stringify(texts) === JSON.stringify(batch.chunks.map((chunk) => Buffer.from(chunk.data).toString('utf8')))
    ? { ok: true, value: body }
    : { ok: false, query, texts, seqs };
};

describe('the bodies the agent sends', () => {
  it('PUT /agent/v1/plan: the examples plan, commands masked, positions from 0', async () => {
    const plan = planWorkflow(await loadConfig(EXAMPLES), { event: 'push', branch: 'main' });
    const body = planBody(plan, (text) => text.replaceAll('deploy', '***'));
    expect(checkPlan(body)).toEqual({ ok: true, value: body });
    expect(body.pipelines.map((p) => [p.name, p.position])).toEqual(plan.pipelines.map((p, i) => [p.name, i]));
    expect(body.skipped.map((s) => s.name)).toEqual(plan.skipped.map((s) => s.name));
    const planned = plan.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => e.command)));
    const sent = body.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => e.command)));
    expect(planned.some((command) => command.includes('deploy'))).toBe(true);
    expect(sent).toEqual(planned.map((command) => command.replaceAll('deploy', '***')));
    // each execution names the secrets it declares (what the API may later give the run)
    const declared = body.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => [`${p.name}/${s.name}/${e.name}`, e.secrets])));
    expect(declared).toEqual(plan.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => [`${p.name}/${s.name}/${e.name}`, e.secrets]))));
    expect(declared).toContainEqual(['deploy/ship/release', ['DEPLOY_TOKEN']]);
  });

  it('PUT /agent/v1/plan carries the workflow block\'s cancel_superseded (false without it)', async () => {
    const plan = planWorkflow(await loadConfig(EXAMPLES), { event: 'push', branch: 'main' });
    const location = { file: '.factory/a.hcl', line: 1, column: 1 };
    expect(planBody(plan, (text) => text).cancelSuperseded).toBe(false);
    expect(planBody(plan, (text) => text, [], { location }).cancelSuperseded).toBe(false);
    const body = planBody(plan, (text) => text, [], { cancelSuperseded: true, location });
    expect(body.cancelSuperseded).toBe(true);
    expect(checkPlan(body)).toEqual({ ok: true, value: body });
  });

  it('PUT /agent/v1/plan of a re-run of the failed pipelines: the reused ones by name, place and dependencies only', async () => {
    const plan = planWorkflow(await loadConfig(EXAMPLES), { event: 'push', branch: 'main' });
    const [first, ...rest] = plan.pipelines.map((p) => p.name);
    const body = planBody(plan, (text) => text, [first as string]);
    expect(checkPlan(body)).toEqual({ ok: true, value: body });
    expect(body.reused).toEqual([{ name: first, position: 0, dependsOn: plan.pipelines[0]?.dependsOn }]);
    expect(body.pipelines.map((p) => [p.name, p.position])).toEqual(rest.map((name, i) => [name, i + 1]));
    expect(planBody(plan, (text) => text).reused).toEqual([]);
    // what the engine then runs: the plan without them
    const runnable = withoutReused(plan, [first as string]);
    expect(runnable.pipelines.map((p) => p.name)).toEqual(rest);
    expect(runnable.reused).toEqual([first]);
  });

  it('POST /agent/v1/status and /logs: every report of an execution that talks, fails and ends the run', async () => {
    const sent: { method: string; path: string; body: unknown }[] = [];
    const client: AgentApiClient = {
      async request<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) {
        sent.push({ method, path, body });
        return { ok: true, changed: true } as T;
      },
      postLogs(batch) {
        return this.request('POST', AGENT_PATHS.logs, batch);
      },
      limitRetriesUntil: () => {},
    };
    const reporter = createApiReporter({ client, logger: pino({ level: 'silent' }), onFatal: () => {}, workflowRunningSent: true });
    const at = '2026-11-24T10:00:00.000Z';
    const names = { pipeline: 'build', stage: 'test', execution: 'unit' };
    reporter.onEvent({ type: 'status', node: { kind: 'workflow' }, status: 'running', at });
    reporter.onEvent({ type: 'status', node: { kind: 'pipeline', pipeline: 'build' }, status: 'running', at });
    reporter.onEvent({ type: 'status', node: { kind: 'execution', ...names }, status: 'running', at });
    reporter.onEvent({ type: 'output', ...names, stream: 'stdout', seq: 0, text: 'one\ntwo\n', at });
    reporter.onEvent({ type: 'output', ...names, stream: 'stderr', seq: 1, text: 'oops\n', at });
    reporter.onEvent({ type: 'status', node: { kind: 'execution', ...names }, status: 'failure', exitCode: 2, reason: 'exit code 2', at });
    reporter.onEvent({ type: 'status', node: { kind: 'pipeline', pipeline: 'build' }, status: 'failure', reason: 'stage test failed', at });
    reporter.onEvent({ type: 'status', node: { kind: 'workflow' }, status: 'failure', reason: 'pipeline "build" failed', at });
    await reporter.drain();

    expect(sent.map((s) => s.path)).toEqual([
      AGENT_PATHS.status,
      AGENT_PATHS.status,
      AGENT_PATHS.logs,
      AGENT_PATHS.status,
      AGENT_PATHS.status,
      AGENT_PATHS.status,
    ]);
    for (const { path, body } of sent) {
      expect((path === AGENT_PATHS.logs ? checkLog : checkStatus)(body), JSON.stringify(body)).toEqual({ ok: true, value: body });
    }
    expect(sent[2]?.body).toEqual({ ...names, chunks: [{ seq: 0, data: Buffer.from('one\ntwo\noops\n') }] });
    expect(sent[3]?.body).toEqual({ ...names, status: 'failure', exitCode: 2, reason: 'exit code 2', at });
  });
});

describe('checkRunInfo', () => {
  it('throws a ProtocolError naming what is wrong with the answer', () => {
    const error = (() => {
      try {
        checkRunInfo({ workflow: { id: 'wf', event: 'release' } });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    const { message, problems } = error as ProtocolError;
    expect(message.startsWith('unexpected answer from GET /agent/v1/run: ')).toBe(true);
    expect(problems).toContain('workflow.event "release" is not one of push, pull_request, tag, manual, schedule');
    expect(problems).toContain('workflow.sha is missing');
    expect(problems).toContain('clone is missing');
    expect(message).toContain(problems.join('; '));
  });
});

describe('checkRunSecrets', () => {
  it('gives the values by name, and throws a ProtocolError naming GET /agent/v1/secrets and the problem, not the value', () => {
    expect(checkRunSecrets({ secrets: { DEPLOY_TOKEN: 'v' } })).toEqual({ DEPLOY_TOKEN: 'v' });
    let caught: unknown;
    try {
      checkRunSecrets({ secrets: { DEPLOY_TOKEN: { value: 'hidden-value' } } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).message).toBe('unexpected answer from GET /agent/v1/secrets: secrets.DEPLOY_TOKEN must be a string');
    expect((caught as ProtocolError).message).not.toContain('hidden-value');
  });
});

describe('needsSecrets', () => {
  const info = (trusted: boolean, forkSecretPipelines: string[] | null) => ({ workflow: { trusted }, forkSecretPipelines }) as RunInfo;

  it('asks only when an execution that may receive secrets declares one', async () => {
    const plan = planWorkflow(await loadConfig(EXAMPLES), { event: 'push', branch: 'main' });
    // examples: only deploy/ship/release declares a secret
    expect(needsSecrets(plan, info(true, null))).toBe(true);
    expect(needsSecrets(plan, info(false, ['deploy']))).toBe(true);
    expect(needsSecrets(plan, info(false, ['build']))).toBe(false);
    expect(needsSecrets(plan, info(false, []))).toBe(false);
    const withoutDeploy = { ...plan, pipelines: plan.pipelines.filter((p) => p.name !== 'deploy') };
    expect(needsSecrets(withoutDeploy, info(true, null))).toBe(false);
  });
});
