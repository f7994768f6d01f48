import type { FromSchema } from 'json-schema-to-ts';

/** The answer of PUT /plan, POST /status and POST /logs: `changed` is false for a repeat that changed nothing. */
export const okAnswerSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, changed: { type: 'boolean' } },
  required: ['ok', 'changed'],
  additionalProperties: false,
} as const;

/** Every error answer (4xx, 5xx). */
export const errorAnswerSchema = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'machine-readable code, e.g. not_found' },
    message: { type: 'string' },
  },
  required: ['error', 'message'],
} as const;

export type OkAnswer = FromSchema<typeof okAnswerSchema>;
export type ErrorAnswer = FromSchema<typeof errorAnswerSchema>;

/**
 * The statuses the agent routes answer with an error: 400 bad body, 401 token invalid or its run has ended, 404 a
 * node not in this run's plan, 409 a conflict named in the message, 413 a log chunk past the execution's log cap
 * (log-cap.ts; `error` LOG_FULL_ERROR) or a body past the route's limit; 5xx are worth retrying.
 */
export const AGENT_ERROR_STATUSES = [400, 401, 404, 409, 413, 500, 502, 503] as const;

/**
 * The `error` code of the 413 that says an execution's log is full (its log cap reached: the chunks that fit are
 * stored, the agent drops that execution's further output). Any other 413 (a body past the route's limit) is not.
 */
export const LOG_FULL_ERROR = 'log_full';
