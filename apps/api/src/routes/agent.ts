import {
  AGENT_ERROR_STATUSES,
  AGENT_ROUTES,
  decodeLogFrames,
  LOG_FRAMES_CONTENT_TYPE,
  logBatchSchema,
  logFramesQuerySchema,
  MAX_LOG_FRAMES_BODY_BYTES,
  MAX_LOG_BATCH_CHUNKS,
  MAX_LOG_CHUNK_BYTES,
  MAX_LOG_CHUNK_CHARS,
  MAX_LOG_SEQ,
  okAnswerSchema,
  planBodySchema,
  runInfoSchema,
  runSecretsSchema,
  statusReportSchema,
  type StatusReport,
} from '@factoryci/agent-protocol';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { appendLogChunks, type LogChunksToStore } from '../agent/logs.js';
import { savePlan } from '../agent/plan.js';
import { runInfo } from '../agent/run-info.js';
import { runSecrets } from '../agent/run-secrets.js';
import { runTokenAuth } from '../agent/run-auth.js';
import { applyStatus } from '../agent/status.js';
import { BadRequestError, LogFullError } from '../errors.js';
import { cancelSupersededRuns } from '../runs/supersede.js';
import { keepSchedules } from '../schedules/keep-schedules.js';
import type { RoutePlugin } from './route-plugin.js';

/** Every error answer is the shared `Error` schema (the same shape as @factoryci/agent-protocol's errorAnswerSchema). */
const agentErrors = Object.fromEntries(AGENT_ERROR_STATUSES.map((status) => [status, { $ref: 'Error#' } as const])) as {
  [S in (typeof AGENT_ERROR_STATUSES)[number]]: { readonly $ref: 'Error#' };
};

/**
 * /agent/v1/* — what a factory-agent calls during its run, authenticated by its run token (docs/agent-protocol.md).
 * Bodies and answers are @factoryci/agent-protocol's schemas. Everything a token addresses is looked up inside its
 * own workflow (a name of another run's plan is a 404). Each route costs one query for the token's run (is it
 * still live?) and one or two for its work; the run's GET and the plan's PUT check that inside their own query.
 */
export const agentRoutes: RoutePlugin = async (app, deps) => {
  const auth = runTokenAuth(deps.db, deps.config.encryptionKey);
  const tags = ['agent'];
  app.decorateRequest('runWorkflowId', '');
  app.addHook('onRequest', auth.verifyToken);
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ runToken: [] }] };
  });
  const live = auth.requireLiveRun();
  // The retry of the report that ended the workflow (its answer was lost) is answered 200, not 401.
  const liveOrSameFinal = auth.requireLiveRun((request: FastifyRequest, status) => {
    const body = request.body as StatusReport | undefined;
    return body !== undefined && body.pipeline === undefined && body.status === status;
  });
  const syncCheckRun = (request: FastifyRequest, change: string): void => {
    void deps.queue.syncCheckRun(request.runWorkflowId, change).then((queued) => {
      if (!queued) request.log.warn({ workflowId: request.runWorkflowId }, 'could not queue the check-run sync (Redis unavailable)');
    });
  };

  // A hint to the events streams of this run to read the database again now (never waited for; a lost one only delays)
  const announce = (request: FastifyRequest, kind: 'log' | 'status'): void => {
    void deps.queue.publishRunChanges([{ workflowId: request.runWorkflowId, kind }]);
  };

  app.get(
    AGENT_ROUTES.run.path,
    // no `live` pre-handler: runInfo checks that the run is live in its one read
    { schema: { tags, summary: 'What the agent needs to run', response: { 200: runInfoSchema, ...agentErrors } } },
    async (request, reply) => {
      const info = await runInfo(deps, request.runWorkflowId);
      request.log.info({ workflowId: request.runWorkflowId, trusted: info.workflow.trusted, cloneToken: info.clone.token !== null }, 'agent fetched its run');
      void reply.header('cache-control', 'no-store');
      return info;
    },
  );

  app.get(
    AGENT_ROUTES.secrets.path,
    {
      preHandler: live,
      schema: {
        tags,
        summary: 'The values of the secrets the recorded plan declares, in pipelines that may receive them',
        response: { 200: runSecretsSchema, ...agentErrors },
      },
    },
    async (request, reply) => {
      const { answer, given, unset } = await runSecrets(deps, request.runWorkflowId);
      request.log.info({ workflowId: request.runWorkflowId, given, unset }, 'agent fetched its secrets');
      void reply.header('cache-control', 'no-store');
      return answer;
    },
  );

  /**
   * The run's configuration asks to cancel superseded runs (`workflow { cancel_superseded = true }`): known once its
   * plan is recorded. The plan is committed: a failure here is logged, not the agent's concern.
   */
  const supersede = async (log: FastifyBaseLogger, workflowId: string) => {
    try {
      const cancelled = await cancelSupersededRuns(deps, log, workflowId);
      if (cancelled.length > 0) log.info({ workflowId, cancelled }, 'superseded runs cancelled (workflow block)');
    } catch (error) {
      log.error({ workflowId, error: (error as Error).message }, 'could not cancel the runs this one supersedes');
    }
  };

  app.put(
    AGENT_ROUTES.plan.path,
    {
      // no `live` preHandler: savePlan checks that the run is live under the workflow row's lock, in its one round trip
      schema: { tags, summary: 'The plan tree, before anything runs (idempotent)', body: planBodySchema, response: { 200: okAnswerSchema, ...agentErrors } },
    },
    async (request) => {
      const { result, workflow } = await savePlan(deps.db, request.runWorkflowId, request.body);
      if (result === 'created') {
        request.log.info({ workflowId: request.runWorkflowId, pipelines: request.body.pipelines.length }, 'plan recorded');
        syncCheckRun(request, 'plan');
        announce(request, 'status');
        if (request.body.cancelSuperseded === true) await supersede(request.log, request.runWorkflowId);
      }
      // every time (idempotent): a retried PUT after a failure here still keeps them
      const schedules = await keepSchedules(deps.db, workflow, request.body.schedules);
      if ('kept' in schedules) request.log.info({ workflowId: request.runWorkflowId, ...schedules.kept }, 'schedules kept from this run');
      else if ('older' in schedules) request.log.info({ workflowId: request.runWorkflowId }, 'schedules not kept: a newer push to the default branch set them');
      return { ok: true, changed: result === 'created' };
    },
  );

  app.post(
    AGENT_ROUTES.status.path,
    {
      preHandler: liveOrSameFinal,
      schema: {
        tags,
        summary: 'One status change of the workflow or a node (idempotent per node and status)',
        body: statusReportSchema,
        response: { 200: okAnswerSchema, ...agentErrors },
      },
    },
    async (request) => {
      const outcome = await applyStatus(deps.db, request.runWorkflowId, request.body);
      if (outcome.changed) {
        request.log.info({ workflowId: request.runWorkflowId, node: outcome.node, status: request.body.status }, 'status changed');
        announce(request, 'status');
        if (outcome.workflow) syncCheckRun(request, request.body.status);
        else if (outcome.node.startsWith('pipeline:') && request.body.status !== 'running') {
          syncCheckRun(request, `${outcome.node.replace(':', '-')}-${request.body.status}`);
        }
      }
      return { ok: true, changed: outcome.changed };
    },
  );

  /** Stores a batch of an execution's chunks (both forms below), counts and announces them; 413 past the log cap. */
  const storeLogs = async (request: FastifyRequest, batch: LogChunksToStore) => {
    const appended = await appendLogChunks(deps.db, request.runWorkflowId, batch, deps.config.logCapBytes);
    deps.metrics.logBytes.inc(appended.bytes);
    if (appended.stored > 0) announce(request, 'log');
    // the chunks before the refused ones are stored (and counted, and announced): the agent drops what follows
    if (appended.refusal !== undefined) throw new LogFullError(appended.refusal);
    return { ok: true, changed: appended.stored > 0 };
  };

  app.post(
    AGENT_ROUTES.logs.path,
    {
      preHandler: live,
      // JSON escapes a character in at most 6 bytes (\u001b); 8 per character leaves room for the names and the syntax
      bodyLimit: 8 * MAX_LOG_BATCH_CHUNKS * MAX_LOG_CHUNK_CHARS + 64 * 1024,
      schema: { tags, summary: 'Consecutive chunks of an execution\'s output as JSON (each stored once per seq)', body: logBatchSchema, response: { 200: okAnswerSchema, ...agentErrors } },
    },
    async (request) => storeLogs(request, request.body),
  );

  // The agent's form: the chunks' bytes as frames, read as one Buffer (up to the route's body limit: 413 past it)
  app.addContentTypeParser(LOG_FRAMES_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_LOG_FRAMES_BODY_BYTES }, (_request, body, done) => done(null, body));
  app.post(
    AGENT_ROUTES.logFrames.path,
    {
      preHandler: live,
      bodyLimit: MAX_LOG_FRAMES_BODY_BYTES,
      schema: {
        tags,
        summary: 'Consecutive chunks of an execution\'s output as frames of bytes (each stored once per seq)',
        description: `The body (${LOG_FRAMES_CONTENT_TYPE}): 1 to ${MAX_LOG_BATCH_CHUNKS} frames, each a 4-byte big-endian header and that many bytes (its low 31 bits): the chunk's UTF-8, or with the top bit set its UTF-8 as raw DEFLATE (inflating to at most ${MAX_LOG_CHUNK_BYTES} bytes; stored as it came); frame i is chunk seq + i.`,
        querystring: logFramesQuerySchema,
        response: { 200: okAnswerSchema, ...agentErrors },
      },
    },
    async (request) => {
      const { pipeline, stage, execution, seq } = request.query;
      if (!Buffer.isBuffer(request.body)) throw new BadRequestError(`send the frames as ${LOG_FRAMES_CONTENT_TYPE}`);
      const decoded = decodeLogFrames(request.body);
      if ('error' in decoded) throw new BadRequestError(decoded.error);
      if (seq + decoded.chunks.length - 1 > MAX_LOG_SEQ) throw new BadRequestError(`chunk seqs go up to ${MAX_LOG_SEQ}`);
      return storeLogs(request, { pipeline, stage, execution, chunks: decoded.chunks.map((data, i) => ({ seq: seq + i, data, deflated: decoded.deflated[i] })) });
    },
  );
};
