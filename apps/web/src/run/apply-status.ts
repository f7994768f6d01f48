/**
 * A run's tree (GET /workflow) kept up to date by the events stream: each `status` event is one node as it is now.
 * Pure: a new tree, or null when the event names a node the tree does not hold (a plan recorded after the tree was
 * read), for the page to read the tree again; and a tree read again put together with the one shown (mergeRead).
 */
import type { StatusEvent, WorkflowDetail } from '../api/types';
import { isAllowedFailure } from './execution-words';
import { isEnded } from './run-facts';

/** The node's fields as the event says them now (absent in the event: not set). */
const times = (event: StatusEvent) => ({ started_at: event.started_at ?? null, finished_at: event.finished_at ?? null });

export function applyStatus(tree: WorkflowDetail, event: StatusEvent): WorkflowDetail | null {
  switch (event.kind) {
    case 'workflow':
      if (event.id !== tree.id) return null;
      return { ...tree, status: event.status as WorkflowDetail['status'], status_reason: event.reason ?? null, ...times(event) };
    case 'pipeline': {
      if (!tree.pipelines.some((p) => p.id === event.id)) return null;
      return {
        ...tree,
        pipelines: tree.pipelines.map((p) => (p.id === event.id ? { ...p, status: event.status, reason: event.reason ?? null, ...times(event) } : p)),
      };
    }
    case 'stage': {
      if (!tree.pipelines.some((p) => p.stages.some((s) => s.id === event.id))) return null;
      return {
        ...tree,
        pipelines: tree.pipelines.map((p) => ({ ...p, stages: p.stages.map((s) => (s.id === event.id ? { ...s, status: event.status, ...times(event) } : s)) })),
      };
    }
    case 'execution': {
      if (!tree.pipelines.some((p) => p.stages.some((s) => s.executions.some((e) => e.id === event.id)))) return null;
      const apply = (e: WorkflowDetail['pipelines'][number]['stages'][number]['executions'][number]) =>
        e.id === event.id
          ? {
              ...e,
              status: event.status,
              reason: event.reason ?? null,
              exit_code: event.exit_code ?? null,
              allowed_failure: isAllowedFailure(e.allow_failure, event.status),
              // an event holds every earlier attempt (none when absent): attempts show as they happen
              attempts: event.attempts ?? [],
              ...times(event),
            }
          : e;
      return {
        ...tree,
        pipelines: tree.pipelines.map((p) => ({ ...p, stages: p.stages.map((s) => ({ ...s, executions: s.executions.map(apply) })) })),
      };
    }
  }
}

/** Every event of a snapshot applied in turn; null when one names a node the tree does not hold. */
export function applySnapshot(tree: WorkflowDetail, nodes: StatusEvent[]): WorkflowDetail | null {
  let next: WorkflowDetail | null = tree;
  for (const node of nodes) {
    next = applyStatus(next, node);
    if (next === null) return null;
  }
  return next;
}

type Pipeline = WorkflowDetail['pipelines'][number];
type Stage = Pipeline['stages'][number];
type Execution = Stage['executions'][number];

/** A step's final statuses (run-state's FINAL_STEP_STATUSES): a step that has one never changes again. */
const STEP_ENDED: ReadonlySet<string> = new Set(['success', 'failure', 'cancelled', 'skipped', 'error', 'reused']);

/** Whether `read` says a node is still open that `shown` already says has ended (final statuses are never left). */
const behind = (shown: { status: string }, read: { status: string }, ended: (status: string) => boolean) => ended(shown.status) && !ended(read.status);

/**
 * The tree to show once a read of it (GET /workflow) answers, given the tree shown then (`shown`, with the events
 * applied while the read was on its way). A read is not newer than every event applied meanwhile: it may have been
 * taken before the run's last status changes, whose events then arrived first (and a run's stream sends nothing more
 * once it ended). So a node the tree shows ended keeps what the events said of it where the read says it is still
 * open (a workflow or step never leaves a final status), and a read that lacks a node the tree holds (one taken before
 * the plan was recorded, answering after a later read) is older than the tree: the tree stays. Otherwise the read.
 */
export function mergeRead(shown: WorkflowDetail | undefined, read: WorkflowDetail): WorkflowDetail {
  if (!shown || shown.id !== read.id) return read;
  const pipelines = new Map(shown.pipelines.map((p) => [p.id, p]));
  const stages = new Map(shown.pipelines.flatMap((p) => p.stages).map((s) => [s.id, s]));
  const executions = new Map(shown.pipelines.flatMap((p) => p.stages).flatMap((s) => s.executions).map((e) => [e.id, e]));
  const readIds = new Set(read.pipelines.flatMap((p) => [p.id, ...p.stages.flatMap((s) => [s.id, ...s.executions.map((e) => e.id)])]));
  if ([...pipelines.keys(), ...stages.keys(), ...executions.keys()].some((id) => !readIds.has(id))) return shown;

  const stepEnded = (status: string) => STEP_ENDED.has(status);
  const execution = (e: Execution): Execution => {
    const was = executions.get(e.id);
    return was && behind(was, e, stepEnded) ? { ...e, ...pick(was, 'status', 'reason', 'exit_code', 'allowed_failure', 'attempts', 'started_at', 'finished_at') } : e;
  };
  const stage = (s: Stage): Stage => {
    const was = stages.get(s.id);
    const kept = was && behind(was, s, stepEnded) ? pick(was, 'status', 'started_at', 'finished_at') : {};
    return { ...s, ...kept, executions: s.executions.map(execution) };
  };
  const pipeline = (p: Pipeline): Pipeline => {
    const was = pipelines.get(p.id);
    const kept = was && behind(was, p, stepEnded) ? pick(was, 'status', 'reason', 'started_at', 'finished_at') : {};
    return { ...p, ...kept, stages: p.stages.map(stage) };
  };
  const kept = behind(shown, read, isEnded) ? pick(shown, 'status', 'status_reason', 'started_at', 'finished_at') : {};
  return { ...read, ...kept, pipelines: read.pipelines.map(pipeline) };
}

function pick<T extends object, K extends keyof T>(from: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, from[key]])) as Pick<T, K>;
}
