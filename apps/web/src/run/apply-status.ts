/**
 * A run's tree (GET /workflow) kept up to date by the events stream: each `status` event is one node as it is now.
 * Pure: a new tree, or null when the event names a node the tree does not hold (a plan recorded after the tree was
 * read), for the page to read the tree again.
 */
import type { StatusEvent, WorkflowDetail } from '../api/types';
import { isAllowedFailure } from './execution-words';

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
