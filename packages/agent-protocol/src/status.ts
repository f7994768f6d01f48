import { MAX_RETRIES, STEP_REPORT_STATUSES } from '@factoryci/run-state';
import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema, nullable } from './keywords.js';
import { MAX_REASON_CHARS } from './limits.js';

/**
 * `POST /agent/v1/status`'s body: one status change. The names address the node (`stage` needs `pipeline`,
 * `execution` needs both; none: the workflow itself). Which statuses fit which node (WORKFLOW_REPORT_STATUSES,
 * STEP_REPORT_STATUSES in @factoryci/run-state) and whether the names fit together is the API's check; the schema
 * admits any of them, the step report statuses, which hold all of the workflow's (status.test.ts checks they do).
 */
/**
 * An attempt of an execution that failed and is tried again (`.factory`'s `retry`), sent with the execution's
 * `running` report: how it ended and `logSeq`, the first log chunk seq of the next attempt (chunks below it belong to
 * this attempt or earlier ones).
 */
export const retriedAttemptSchema = {
  type: 'object',
  properties: {
    attempt: { type: 'integer', minimum: 1, maximum: MAX_RETRIES },
    status: { type: 'string', enum: ['failure', 'error'] },
    exitCode: nullable('integer'),
    reason: nullable('string', { maxLength: MAX_REASON_CHARS }),
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    logSeq: { type: 'integer', minimum: 0 },
  },
  required: ['attempt', 'status', 'finishedAt', 'logSeq'],
  additionalProperties: false,
} as const;

export const statusReportSchema = {
  type: 'object',
  properties: {
    pipeline: nameSchema,
    stage: nameSchema,
    execution: nameSchema,
    status: { type: 'string', enum: STEP_REPORT_STATUSES },
    exitCode: nullable('integer'),
    reason: nullable('string', { maxLength: MAX_REASON_CHARS }),
    at: { type: 'string', format: 'date-time', description: "ISO 8601, the agent's clock; default: the API's" },
    retriedAttempt: retriedAttemptSchema,
  },
  required: ['status'],
  additionalProperties: false,
} as const;

export type StatusReport = FromSchema<typeof statusReportSchema>;
export type RetriedAttempt = FromSchema<typeof retriedAttemptSchema>;
