/**
 * What `logs --follow` makes of the events of GET /workflow/events (docs/api.md, "Events streams"), as data: each
 * event in, what to print out. It keeps the cursor (the id of the last event, sent as Last-Event-ID on a reconnect),
 * drops a log chunk it has already had (so a resumed stream never doubles a line), turns the snapshot of a reconnect
 * into the status changes missed meanwhile, and cuts chunks into whole lines per execution. No I/O.
 */
import type { RunLogEvent, RunNodeStatus, RunSnapshotEvent } from '@factoryci/run-state';
import { executionSelected, pipelineSelected, type ExecutionPath, type LogFilter } from './log-filter.js';

/** One event as the SSE parser gives it. */
export interface StreamEvent {
  id?: string | undefined;
  event?: string | undefined;
  data: string;
}

/** A node of the run tree as a `status` event (and each entry of a `snapshot`) carries it. */
export type NodeStatus = RunNodeStatus;

export type FollowOutput =
  /** a whole line of an execution's output (without its newline; a last line without one is flushed at the end) */
  | { kind: 'line'; path: ExecutionPath; text: string }
  /** a node's status changed (or was first seen started): the workflow, a pipeline or an execution */
  | { kind: 'status'; node: NodeStatus; path: string }
  /** the run ended: the stream's `end` */
  | { kind: 'end'; status: string };

interface Known {
  node: NodeStatus;
  path: string;
  execution?: ExecutionPath;
  pipeline?: string;
}

const FINAL = new Set(['success', 'failure', 'cancelled', 'skipped', 'error']);

export interface Follower {
  /** The outputs of one event, in order. Events already had (a log chunk at or before the cursor) give none. */
  apply(event: StreamEvent): FollowOutput[];
  /** The id of the last event: what a reconnect sends as Last-Event-ID ("0" before any). */
  cursor(): string;
  /** The workflow's status as last seen (undefined before the first snapshot). */
  workflowStatus(): string | undefined;
  /** Whether any output of an execution arrived yet. */
  sawOutput(): boolean;
  /** The final status once `end` arrived. */
  ended(): string | undefined;
}

export function createFollower(filter: LogFilter = {}): Follower {
  let cursor = 0n;
  let ended: string | undefined;
  let sawOutput = false;
  const known = new Map<string, Known>();
  const partial = new Map<string, string>();

  function lines(executionId: string, data: string): FollowOutput[] {
    const entry = known.get(executionId);
    // a chunk of an execution the snapshot did not show cannot be (the plan is recorded before any chunk)
    const path = entry?.execution ?? { pipeline: '?', stage: '?', execution: executionId };
    if (entry?.execution && !executionSelected(entry.execution, filter)) return [];
    const text = (partial.get(executionId) ?? '') + data;
    const parts = text.split('\n');
    partial.set(executionId, parts.pop()!);
    return parts.map((line) => ({ kind: 'line', path, text: line.replace(/\r$/, '') }));
  }

  function flush(executionId: string): FollowOutput[] {
    const rest = partial.get(executionId);
    partial.delete(executionId);
    const path = known.get(executionId)?.execution;
    return rest && path ? [{ kind: 'line', path, text: rest }] : [];
  }

  function shown(entry: Known): boolean {
    if (entry.node.kind === 'workflow') return true;
    if (entry.node.kind === 'execution') return executionSelected(entry.execution!, filter);
    if (entry.node.kind === 'pipeline') return pipelineSelected(entry.pipeline!, filter);
    return false;
  }

  /**
   * Records a node; the status output when it is shown and is new or changed (a pending node is not news). A `status`
   * event of an ended execution comes after its last chunk (a stream sends the chunks of a read first), so its last line
   * is flushed then; a snapshot comes before the chunks stored while disconnected, so it flushes nothing.
   */
  function update(entry: Known, flushEnded = false): FollowOutput[] {
    const before = known.get(entry.node.id);
    known.set(entry.node.id, entry);
    const changed = before ? before.node.status !== entry.node.status : entry.node.status !== 'pending';
    const out: FollowOutput[] = [];
    if (flushEnded && entry.node.kind === 'execution' && FINAL.has(entry.node.status)) out.push(...flush(entry.node.id));
    if (changed && shown(entry)) out.push({ kind: 'status', node: entry.node, path: entry.path });
    return out;
  }

  /** A snapshot's nodes are in plan order (workflow, then each pipeline, its stages and their executions): paths from that. */
  function snapshot(nodes: NodeStatus[]): FollowOutput[] {
    const out: FollowOutput[] = [];
    let pipeline = '';
    let stage = '';
    for (const node of nodes) {
      const name = node.name ?? '';
      if (node.kind === 'workflow') out.push(...update({ node, path: 'run' }));
      else if (node.kind === 'pipeline') {
        pipeline = name;
        out.push(...update({ node, path: name, pipeline: name }));
      } else if (node.kind === 'stage') {
        stage = name;
        out.push(...update({ node, path: `${pipeline}/${name}` }));
      } else {
        const execution = { pipeline, stage, execution: name };
        out.push(...update({ node, path: `${pipeline}/${stage}/${name}`, execution }));
      }
    }
    return out;
  }

  return {
    apply(event) {
      if (ended !== undefined) return [];
      const id = event.id !== undefined && /^[0-9]+$/.test(event.id) ? BigInt(event.id) : undefined;
      const type = event.event ?? 'message';
      if (type === 'log') {
        // a chunk at or before the cursor was had before the reconnect
        if (id !== undefined && id <= cursor) return [];
        if (id !== undefined) cursor = id;
        const chunk = JSON.parse(event.data) as RunLogEvent;
        sawOutput = true;
        return lines(chunk.execution_id, chunk.data);
      }
      if (id !== undefined && id > cursor) cursor = id;
      if (type === 'snapshot') return snapshot((JSON.parse(event.data) as RunSnapshotEvent).nodes);
      if (type === 'status') {
        const node = JSON.parse(event.data) as NodeStatus;
        const before = known.get(node.id);
        if (!before) return [];
        return update({ ...before, node: { ...node, name: node.name ?? before.node.name } }, true);
      }
      if (type === 'end') {
        const { status } = JSON.parse(event.data) as { status: string };
        const out = [...partial.keys()].flatMap(flush);
        ended = status;
        return [...out, { kind: 'end', status }];
      }
      return [];
    },
    cursor: () => cursor.toString(),
    workflowStatus: () => [...known.values()].find((entry) => entry.node.kind === 'workflow')?.node.status,
    sawOutput: () => sawOutput,
    ended: () => ended,
  };
}

/** How long to wait before reconnection attempt `attempt` (1, 2, …): 0.5 s doubling up to 5 s. Pure. */
export function reconnectDelay(attempt: number): number {
  return Math.min(500 * 2 ** Math.max(0, attempt - 1), 5000);
}
