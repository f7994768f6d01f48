/**
 * The data of the events of GET /workflow/events (docs/api.md "Events streams"), declared once for the API that sends
 * them and the clients that read them (factoryctl, the web UI).
 */
import type { FromSchema } from 'json-schema-to-ts';

/**
 * One node of the run tree as it is now: the data of a `status` event, and each entry of a `snapshot`. A JSON schema
 * (the API documents the streams with it in /docs/json) and the type derived from it.
 */
export const runNodeStatusSchema = {
  type: 'object',
  description: 'one node of the run tree as it is now; absent properties are not set, and a workflow has no name',
  properties: {
    kind: { type: 'string', enum: ['workflow', 'pipeline', 'stage', 'execution'] },
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    reason: { type: 'string' },
    exit_code: { type: 'integer' },
    started_at: { type: 'string', format: 'date-time' },
    finished_at: { type: 'string', format: 'date-time' },
  },
  required: ['kind', 'id', 'status'],
  additionalProperties: false,
} as const;

export type RunNodeStatus = FromSchema<typeof runNodeStatusSchema>;

/** `snapshot`: first on every connection, the workflow then each pipeline, its stages and their executions in plan order. */
export interface RunSnapshotEvent {
  nodes: RunNodeStatus[];
}

/** `log`: one stored chunk of an execution's output; `at` is when the API stored it. */
export interface RunLogEvent {
  execution_id: string;
  seq: number;
  data: string;
  at: string;
}

/** `end`: the run is final and everything stored was sent; the stream then closes. */
export interface RunEndEvent {
  status: string;
}
