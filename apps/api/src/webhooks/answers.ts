/** What POST /hooks/github answers for a delivery that asked for a run: its schema and the answer as data. */
import type { FromSchema } from 'json-schema-to-ts';
import type { StartedRun } from './start-run.js';

export const hookAnswerSchema = {
  type: 'object',
  properties: {
    delivery: { type: 'string' },
    workflow_id: { type: ['string', 'null'] },
    number: { type: ['integer', 'null'] },
    status: { type: ['string', 'null'], description: 'queued, or awaiting_approval (untrusted pull request, project requires approval)' },
    queued: { type: 'boolean', description: 'committed queued with Redis connected: its job follows the answer; false when Redis was unavailable (the reconciler queues it later)' },
    redelivery: { type: 'boolean' },
    message: { type: 'string' },
  },
  required: ['delivery', 'message'],
} as const;

export type HookAnswerBody = FromSchema<typeof hookAnswerSchema>;

export interface HookAnswer {
  code: 200 | 202;
  body: HookAnswerBody;
}

/** 200 for a redelivery (the workflow recorded the first time), else 202: awaiting approval, or accepted. */
export function runAnswer(deliveryId: string, run: StartedRun): HookAnswer {
  const workflow = { delivery: deliveryId, workflow_id: run.workflowId, number: run.number, status: run.status };
  if (run.redelivery) {
    return { code: 200, body: { ...workflow, redelivery: true, message: 'delivery already accepted' } };
  }
  if (run.status === 'awaiting_approval') {
    return {
      code: 202,
      body: {
        ...workflow,
        queued: false,
        redelivery: false,
        message: `workflow #${run.number} of an untrusted pull request awaits approval (POST /workflow/approve)`,
      },
    };
  }
  return { code: 202, body: { ...workflow, queued: run.queued, redelivery: false, message: `workflow #${run.number} accepted` } };
}
