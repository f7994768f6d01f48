/**
 * The data of the events of GET /workflow/events (docs/api.md "Events streams"), declared once for the API that sends
 * them and the clients that read them (factoryctl, the web UI).
 */
import type { FromSchema } from 'json-schema-to-ts';

/**
 * A failed attempt of an execution that was tried again (`.factory`'s `retry`); the execution's own fields are its
 * last attempt. In the REST run tree (`attempts` of an execution) and in the events streams' execution nodes.
 */
export const runAttemptSchema = {
  type: 'object',
  properties: {
    attempt: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: ['failure', 'error'] },
    exit_code: { type: ['integer', 'null'] },
    reason: { type: ['string', 'null'] },
    started_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: 'string', format: 'date-time' },
    log_seq: { type: 'integer', minimum: 0, description: "the first log chunk seq of the next attempt: the chunks before it are this attempt's and earlier ones'" },
  },
  required: ['attempt', 'status', 'exit_code', 'reason', 'started_at', 'finished_at', 'log_seq'],
  additionalProperties: false,
} as const;

export type RunAttempt = FromSchema<typeof runAttemptSchema>;

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
    attempts: { type: 'array', items: runAttemptSchema, description: "an execution's earlier attempts (retry), when it has any; absent: none" },
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
