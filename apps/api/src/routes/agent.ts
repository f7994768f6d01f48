import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app.js';
import { appendLogChunk, type LogChunkBody } from '../agent/logs.js';
import { savePlan, type PlanBody } from '../agent/plan.js';
import { runInfo } from '../agent/run-info.js';
import { runTokenAuth } from '../agent/run-auth.js';
import { applyStatus, STEP_REPORT_STATUSES, WORKFLOW_REPORT_STATUSES, type StatusReport } from '../agent/status.js';
import { NAME_PATTERN } from '../schemas.js';

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const name = { type: 'string', pattern: NAME_PATTERN } as const;
const agentErrors = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  500: { $ref: 'Error#' },
  502: { $ref: 'Error#' },
  503: { $ref: 'Error#' },
} as const;
const ok = { type: 'object', properties: { ok: { type: 'boolean' }, changed: { type: 'boolean' } }, required: ['ok'] } as const;

const runInfoSchema = {
  type: 'object',
  properties: {
    workflow: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        projectId: { type: 'string' },
        number: { type: 'integer' },
        event: { type: 'string' },
        action: nullable('string'),
        ref: { type: 'string' },
        sha: { type: 'string' },
        branch: nullable('string'),
        tag: nullable('string'),
        prNumber: nullable('integer'),
        baseSha: nullable('string'),
        headRepoFullName: nullable('string'),
        trusted: { type: 'boolean' },
        changedPaths: nullable('array', { items: { type: 'string' } }),
      },
      required: ['id', 'projectId', 'number', 'event', 'ref', 'sha', 'branch', 'tag', 'prNumber', 'baseSha', 'trusted', 'changedPaths'],
    },
    project: {
      type: 'object',
      properties: { id: { type: 'string' }, owner: { type: 'string' }, name: { type: 'string' } },
      required: ['id', 'owner', 'name'],
    },
    configSha: { type: 'string', description: 'the commit to read .factory/ from: baseSha for untrusted pull requests, else sha' },
    clone: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        token: nullable('string', { description: 'GitHub installation token (contents: read, this repository only); use as the password of user x-access-token' }),
        tokenExpiresAt: nullable('string'),
      },
      required: ['url', 'token', 'tokenExpiresAt'],
    },
    secrets: { type: 'object', additionalProperties: { type: 'string' } },
    forkSecretPipelines: nullable('array', {
      items: { type: 'string' },
      description: 'null: any pipeline may get the secrets it declares; a list: only these pipelines (untrusted run)',
    }),
  },
  required: ['workflow', 'project', 'configSha', 'clone', 'secrets', 'forkSecretPipelines'],
} as const;

const planBody = {
  type: 'object',
  properties: {
    pipelines: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: {
          name,
          position: { type: 'integer', minimum: 0 },
          dependsOn: { type: 'array', items: name },
          stages: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name,
                position: { type: 'integer', minimum: 0 },
                executions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { name, position: { type: 'integer', minimum: 0 }, command: { type: 'string', maxLength: 65535 } },
                    required: ['name', 'position', 'command'],
                    additionalProperties: false,
                  },
                },
              },
              required: ['name', 'position', 'executions'],
              additionalProperties: false,
            },
          },
        },
        required: ['name', 'position', 'dependsOn', 'stages'],
        additionalProperties: false,
      },
    },
    skipped: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        properties: { name, reason: { type: 'string', maxLength: 100 }, message: { type: 'string', maxLength: 2000 } },
        required: ['name', 'reason', 'message'],
        additionalProperties: false,
      },
    },
  },
  required: ['pipelines'],
  additionalProperties: false,
} as const;

const statusBody = {
  type: 'object',
  properties: {
    pipeline: name,
    stage: name,
    execution: name,
    status: { type: 'string', enum: [...new Set([...WORKFLOW_REPORT_STATUSES, ...STEP_REPORT_STATUSES])] },
    exitCode: nullable('integer'),
    reason: nullable('string', { maxLength: 10_000 }),
    at: { type: 'string', format: 'date-time' },
  },
  required: ['status'],
  additionalProperties: false,
} as const;

/** The largest chunk of output accepted in one POST /agent/v1/logs (characters). */
export const MAX_LOG_CHUNK_CHARS = 256 * 1024;

const logsBody = {
  type: 'object',
  properties: {
    pipeline: name,
    stage: name,
    execution: name,
    seq: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    data: { type: 'string', maxLength: MAX_LOG_CHUNK_CHARS },
  },
  required: ['pipeline', 'stage', 'execution', 'seq', 'data'],
  additionalProperties: false,
} as const;

/**
 * /agent/v1/* — what a factory-agent calls during its run, authenticated by its run token (docs/agent-protocol.md).
 * Each route costs one query for the token's run (is it still live?) and one or two for its work.
 */
export async function agentRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
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

  app.get('/run', { preHandler: live, schema: { tags, summary: 'What the agent needs to run', response: { 200: runInfoSchema, ...agentErrors } } }, async (request) => {
    const info = await runInfo(deps, request.runWorkflowId);
    request.log.info({ workflowId: request.runWorkflowId, trusted: info.workflow.trusted }, 'agent fetched its run');
    return info;
  });

  app.put<{ Body: PlanBody }>(
    '/plan',
    { preHandler: live, schema: { tags, summary: 'The plan tree, before anything runs (idempotent)', body: planBody, response: { 200: ok, ...agentErrors } } },
    async (request) => {
      const result = await savePlan(deps.db, request.runWorkflowId, request.body);
      if (result === 'created') {
        request.log.info({ workflowId: request.runWorkflowId, pipelines: request.body.pipelines.length }, 'plan recorded');
        syncCheckRun(request, 'plan');
      }
      return { ok: true, changed: result === 'created' };
    },
  );

  app.post<{ Body: StatusReport }>(
    '/status',
    {
      preHandler: liveOrSameFinal,
      schema: { tags, summary: 'One status change of the workflow or a node (idempotent per node and status)', body: statusBody, response: { 200: ok, ...agentErrors } },
    },
    async (request) => {
      const outcome = await applyStatus(deps.db, request.runWorkflowId, request.body);
      if (outcome.changed) {
        request.log.info({ workflowId: request.runWorkflowId, node: outcome.node, status: request.body.status }, 'status changed');
        if (outcome.workflow) syncCheckRun(request, request.body.status);
        else if (outcome.node.startsWith('pipeline:') && request.body.status !== 'running') {
          syncCheckRun(request, `${outcome.node.replace(':', '-')}-${request.body.status}`);
        }
      }
      return { ok: true, changed: outcome.changed };
    },
  );

  app.post<{ Body: LogChunkBody }>(
    '/logs',
    {
      preHandler: live,
      bodyLimit: 8 * MAX_LOG_CHUNK_CHARS + 64 * 1024,
      schema: { tags, summary: 'One ordered chunk of an execution\'s output (stored once per seq)', body: logsBody, response: { 200: ok, ...agentErrors } },
    },
    async (request) => {
      const result = await appendLogChunk(deps.db, request.runWorkflowId, request.body);
      return { ok: true, changed: result === 'stored' };
    },
  );
}
