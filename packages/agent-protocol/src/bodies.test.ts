import { STEP_REPORT_STATUSES, WORKFLOW_REPORT_STATUSES } from '@factoryci/run-state';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AGENT_PATHS,
  AGENT_ROUTES,
  agentPath,
  errorAnswerSchema,
  logBatchSchema,
  logBatchSeqError,
  MAX_LOG_BATCH_CHUNKS,
  MAX_EXECUTION_SECRETS,
  MAX_LOG_CHUNK_CHARS,
  MAX_REASON_CHARS,
  SECRET_NAME_PATTERN,
  okAnswerSchema,
  planBodySchema,
  schemaCheck,
  statusReportSchema,
  type LogBatch,
  type PlanBody,
  type StatusReport,
} from './index.js';

const checkPlan = schemaCheck<PlanBody>(planBodySchema);
const checkStatus = schemaCheck<StatusReport>(statusReportSchema);
const checkLog = schemaCheck<LogBatch>(logBatchSchema);

const problems = (check: (value: unknown) => { ok: boolean }, value: unknown): string[] => {
  const result = check(value) as { ok: true } | { ok: false; problems: string[] };
  return result.ok ? [] : result.problems;
};

const plan: PlanBody = {
  pipelines: [
    {
      name: 'build',
      position: 0,
      dependsOn: [],
      stages: [{ name: 'test', position: 0, executions: [{ name: 'unit', position: 0, command: 'npm test', secrets: [], allowFailure: false }] }],
    },
    {
      name: 'deploy',
      position: 1,
      dependsOn: ['build'],
      stages: [{ name: 'ship', position: 0, executions: [{ name: 'helm', position: 0, command: './deploy.sh', secrets: ['DEPLOY_TOKEN', 'KUBECONFIG_B64'], allowFailure: true }] }],
    },
  ],
  skipped: [{ name: 'docs', reason: 'filter', message: 'branch main does not match docs/*' }],
  reused: [{ name: 'lint', position: 2, dependsOn: [] }],
  cancelSuperseded: false,
  schedules: [{ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null }],
};

describe('PUT /agent/v1/plan body (planBodySchema)', () => {
  it('accepts a plan, and one without skipped or reused pipelines (the default, [], is filled in)', () => {
    expect(checkPlan(plan)).toEqual({ ok: true, value: plan });
    const bare = { pipelines: [] };
    expect(checkPlan(bare)).toEqual({ ok: true, value: { pipelines: [], skipped: [], reused: [], cancelSuperseded: false, schedules: [] } });
    // allowFailure defaults to false (an agent from before allow_failure)
    const older = { pipelines: [{ name: 'b', position: 0, dependsOn: [], stages: [{ name: 's', position: 0, executions: [{ name: 'e', position: 0, command: 'true' }] }] }] };
    expect(checkPlan(older)).toMatchObject({ ok: true, value: { pipelines: [{ stages: [{ executions: [{ allowFailure: false, secrets: [] }] }] }] } });
    expect(problems(checkPlan, { pipelines: [], reused: [{ name: 'lint', position: 0 }] })).toEqual(['reused[0].dependsOn is missing']);
    expectTypeOf<PlanBody['skipped'][number]>().toEqualTypeOf<{ name: string; reason: string; message: string }>();
  });

  it('refuses names outside the name pattern, negative positions, unknown properties and over-long commands', () => {
    const pipeline = plan.pipelines[0] as PlanBody['pipelines'][number];
    expect(problems(checkPlan, { pipelines: [{ ...pipeline, name: 'has space' }] })).toEqual([
      'pipelines[0].name is not a name (1 to 100 characters: letters, digits, "_", "." or "-", a matrix copy\'s followed by its values as in "unit (node=18, db=mysql)")',
    ]);
    expect(problems(checkPlan, { pipelines: [{ ...pipeline, dependsOn: ['x'.repeat(101)] }] })).toEqual([
      'pipelines[0].dependsOn[0] is not a name (1 to 100 characters: letters, digits, "_", "." or "-", a matrix copy\'s followed by its values as in "unit (node=18, db=mysql)")',
    ]);
    expect(problems(checkPlan, { pipelines: [{ ...pipeline, position: -1 }] })).toEqual(['pipelines[0].position must be >= 0']);
    expect(problems(checkPlan, { ...plan, extra: true })).toEqual(['extra is not a known property']);
    const long = { name: 'e', position: 0, command: 'x'.repeat(65_536) };
    expect(problems(checkPlan, { pipelines: [{ ...pipeline, stages: [{ name: 's', position: 0, executions: [long] }] }] })).toEqual([
      'pipelines[0].stages[0].executions[0].command is longer than 65535 characters',
    ]);
    expect(problems(checkPlan, { skipped: [] })).toEqual(['pipelines is missing']);
  });

  it('records the secret names each execution declares: [] when left out, only secret names, each once', () => {
    const withSecrets = (secrets: unknown) => ({
      pipelines: [{ name: 'p', position: 0, dependsOn: [], stages: [{ name: 's', position: 0, executions: [{ name: 'e', position: 0, command: 'true', secrets }] }] }],
    });
    const bare = { pipelines: [{ name: 'p', position: 0, dependsOn: [], stages: [{ name: 's', position: 0, executions: [{ name: 'e', position: 0, command: 'true' }] }] }] };
    expect(checkPlan(bare)).toMatchObject({ ok: true, value: { ...withSecrets([]), skipped: [], reused: [], cancelSuperseded: false, schedules: [] } });
    expectTypeOf<PlanBody['pipelines'][number]['stages'][number]['executions'][number]['secrets']>().toEqualTypeOf<string[]>();
    const at = 'pipelines[0].stages[0].executions[0].secrets';
    expect(problems(checkPlan, withSecrets(['npm-token']))).toEqual([
      `${at}[0] is not a secret name (1 to 100 upper-case letters, digits and "_", not starting with a digit)`,
    ]);
    expect(problems(checkPlan, withSecrets(['A', 'A']))).toEqual([`${at} names an item twice`]);
    expect(problems(checkPlan, withSecrets(Array.from({ length: MAX_EXECUTION_SECRETS + 1 }, (_, i) => `S${i}`)))).toEqual([
      `${at} has more than ${MAX_EXECUTION_SECRETS} items`,
    ]);
    expect(SECRET_NAME_PATTERN).toBe('^[A-Z_][A-Z0-9_]{0,99}$');
  });
});

describe('step names (nameSchema)', () => {
  const report = (execution: string) => ({ pipeline: 'p', stage: 's', execution, status: 'running' });
  it('admits .factory names and matrix copies\' names, up to 100 characters', () => {
    for (const name of ['unit', 'node_20', 'v1.2', 'unit (node=18)', 'test (node=18, db=mysql)', 'x (os=ubuntu-22.04, image=node:20-bookworm)', 'a'.repeat(100)]) {
      expect(problems(checkStatus, report(name)), name).toEqual([]);
    }
  });
  it('refuses anything else: spaces outside the values, malformed values, over 100 characters', () => {
    for (const name of ['', 'unit (node=18', 'unit ()', 'unit(node=18)', 'unit (node=18,db=mysql)', 'unit (node=1 8)', 'unit (node=18) x', 'a b', `unit (n=${'1'.repeat(92)})`]) {
      expect(problems(checkStatus, report(name)), name).not.toEqual([]);
    }
  });
});

describe('POST /agent/v1/status body (statusReportSchema)', () => {
  it('admits exactly the statuses an agent may report (@factoryci/run-state), for the workflow and for steps', () => {
    expect(statusReportSchema.properties.status.enum).toBe(STEP_REPORT_STATUSES);
    for (const status of [...WORKFLOW_REPORT_STATUSES, ...STEP_REPORT_STATUSES]) {
      expect(checkStatus({ status }), status).toMatchObject({ ok: true });
    }
    for (const status of ['pending', 'queued', 'provisioning', 'awaiting_approval', 'done']) {
      expect(problems(checkStatus, { status }), status).toEqual([
        `status "${status}" is not one of running, success, failure, cancelled, skipped, error`,
      ]);
    }
  });

  it('accepts a full execution report and refuses malformed ones', () => {
    const report: StatusReport = { pipeline: 'build', stage: 'test', execution: 'unit', status: 'failure', exitCode: 2, reason: 'exit code 2', at: '2026-11-24T10:00:05.000Z' };
    expect(checkStatus(report)).toEqual({ ok: true, value: report });
    expect(checkStatus({ status: 'error', exitCode: null, reason: null })).toMatchObject({ ok: true });
    expect(problems(checkStatus, { status: 'running', at: 'yesterday' })).toEqual(['at is not a date-time']);
    expect(problems(checkStatus, { status: 'failure', exitCode: 1.5 })).toEqual(['exitCode must be an integer or null']);
    expect(problems(checkStatus, { status: 'failure', reason: 'x'.repeat(MAX_REASON_CHARS + 1) })).toEqual([`reason is longer than ${MAX_REASON_CHARS} characters`]);
    expect(problems(checkStatus, { pipeline: 'build' })).toEqual(['status is missing']);
  });

  it('carries a retried attempt (retry): attempts 1 to MAX_RETRIES, failed or errored, with the next attempt\'s first log seq', () => {
    const retriedAttempt = { attempt: 1, status: 'failure', exitCode: 7, reason: 'exit code 7', startedAt: '2026-11-24T10:00:01.000Z', finishedAt: '2026-11-24T10:00:02.000Z', logSeq: 3 };
    const report = { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running', retriedAttempt };
    expect(checkStatus(report)).toEqual({ ok: true, value: report });
    expect(problems(checkStatus, { ...report, retriedAttempt: { ...retriedAttempt, attempt: 6 } })).toEqual(['retriedAttempt.attempt must be <= 5']);
    expect(problems(checkStatus, { ...report, retriedAttempt: { ...retriedAttempt, status: 'success' } })).toEqual(['retriedAttempt.status "success" is not one of failure, error']);
    const { logSeq: _logSeq, ...noSeq } = retriedAttempt;
    expect(problems(checkStatus, { ...report, retriedAttempt: noSeq })).toEqual(['retriedAttempt.logSeq is missing']);
  });
});

describe('POST /agent/v1/logs body (logBatchSchema)', () => {
  const batch: LogBatch = { pipeline: 'build', stage: 'test', execution: 'unit', chunks: [{ seq: 0, data: 'one\n' }] };
  const chunks = (count: number, data = 'x') => Array.from({ length: count }, (_, seq) => ({ seq, data }));

  it('accepts 1 to MAX_LOG_BATCH_CHUNKS chunks of up to MAX_LOG_CHUNK_CHARS characters', () => {
    expect(checkLog(batch)).toEqual({ ok: true, value: batch });
    expect(checkLog({ ...batch, chunks: chunks(MAX_LOG_BATCH_CHUNKS, 'x'.repeat(MAX_LOG_CHUNK_CHARS)) })).toMatchObject({ ok: true });
  });

  it('refuses a longer chunk, a negative or fractional seq, no chunk or too many, and a batch without its execution', () => {
    expect(problems(checkLog, { ...batch, chunks: [{ seq: 0, data: 'x'.repeat(MAX_LOG_CHUNK_CHARS + 1) }] })).toEqual([`chunks[0].data is longer than ${MAX_LOG_CHUNK_CHARS} characters`]);
    expect(problems(checkLog, { ...batch, chunks: [{ seq: -1, data: '' }] })).toEqual(['chunks[0].seq must be >= 0']);
    expect(problems(checkLog, { ...batch, chunks: [{ seq: 0.5, data: '' }] })).toEqual(['chunks[0].seq must be an integer']);
    expect(problems(checkLog, { ...batch, chunks: [] })).toEqual(['chunks must NOT have fewer than 1 items']);
    expect(problems(checkLog, { ...batch, chunks: chunks(MAX_LOG_BATCH_CHUNKS + 1) })).toEqual([`chunks has more than ${MAX_LOG_BATCH_CHUNKS} items`]);
    const { execution: _execution, ...rest } = batch;
    expect(problems(checkLog, rest)).toEqual(['execution is missing']);
  });

  it('logBatchSeqError: chunks must be consecutive seqs in order', () => {
    expect(logBatchSeqError([{ seq: 4 }])).toBeUndefined();
    expect(logBatchSeqError([{ seq: 4 }, { seq: 5 }, { seq: 6 }])).toBeUndefined();
    expect(logBatchSeqError([{ seq: 4 }, { seq: 6 }])).toBe('chunks[1].seq is 6, not 5: a batch holds consecutive chunks in seq order');
    expect(logBatchSeqError([{ seq: 4 }, { seq: 5 }, { seq: 5 }])).toBe('chunks[2].seq is 5, not 6: a batch holds consecutive chunks in seq order');
    expect(logBatchSeqError([{ seq: 5 }, { seq: 4 }])).toBe('chunks[1].seq is 4, not 6: a batch holds consecutive chunks in seq order');
  });
});

describe('answers and routes', () => {
  it('declares the ok answer and the error answer', () => {
    expect(schemaCheck(okAnswerSchema)({ ok: true, changed: false })).toMatchObject({ ok: true });
    expect(problems(schemaCheck(okAnswerSchema), { ok: true })).toEqual(['changed is missing']);
    expect(schemaCheck(errorAnswerSchema)({ error: 'conflict', message: 'pipeline:build is already failure' })).toMatchObject({ ok: true });
    expect(problems(schemaCheck(errorAnswerSchema, { name: 'the answer' }), 'oops')).toEqual(['the answer must be an object']);
  });

  it('names each route once: its method, its path below the prefix, its full path', () => {
    expect(AGENT_PATHS).toEqual({ run: '/agent/v1/run', plan: '/agent/v1/plan', secrets: '/agent/v1/secrets', status: '/agent/v1/status', logs: '/agent/v1/logs', logFrames: '/agent/v1/log-frames' });
    expect(Object.fromEntries(Object.entries(AGENT_ROUTES).map(([route, { method }]) => [route, method]))).toEqual({ run: 'GET', plan: 'PUT', secrets: 'GET', status: 'POST', logs: 'POST', logFrames: 'POST' });
    expect(agentPath('logs')).toBe('/agent/v1/logs');
    expectTypeOf(AGENT_PATHS.status).toEqualTypeOf<'/agent/v1/status'>();
  });
});
