import { STEP_REPORT_STATUSES } from '@factoryci/run-state';
import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema, nullable } from './keywords.js';
import { MAX_REASON_CHARS } from './limits.js';

/**
 * `POST /agent/v1/status`'s body: one status change. The names address the node (`stage` needs `pipeline`,
 * `execution` needs both; none: the workflow itself). Which statuses fit which node (WORKFLOW_REPORT_STATUSES,
 * STEP_REPORT_STATUSES in @factoryci/run-state) and whether the names fit together is the API's check; the schema
 * admits any of them, the step report statuses, which hold all of the workflow's (status.test.ts checks they do).
 */
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
  },
  required: ['status'],
  additionalProperties: false,
} as const;

export type StatusReport = FromSchema<typeof statusReportSchema>;
