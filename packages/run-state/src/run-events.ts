/**
 * The data of the events of GET /workflow/events (docs/api.md "Events streams"), declared once for the API that sends
 * them and the clients that read them (factoryctl, the web UI). Server-Sent Events are no part of the OpenAPI
 * document, so these types are the contract.
 */

/** One node of the run tree as it is now: the data of a `status` event, and each entry of a `snapshot`. */
export interface RunNodeStatus {
  kind: 'workflow' | 'pipeline' | 'stage' | 'execution';
  id: string;
  /** absent for the workflow */
  name?: string;
  status: string;
  reason?: string;
  exit_code?: number;
  started_at?: string;
  finished_at?: string;
}

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
