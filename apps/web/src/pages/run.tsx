/**
 * A run (placeholder for the log viewer's branch; the run page with the pipeline graph replaces it on merge): the
 * workflow's executions as buttons, and the log of the one in `?execution=` (or the first). Statuses follow live
 * through GET /workflow/events?logs=none.
 */
import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { followEvents } from '../api/event-stream';
import type { Execution } from '../api/types';
import { Failure, useLoad } from '../components/load';
import { LogViewer } from '../components/log-viewer';
import { StatusBadge } from '../components/status';
import { useTitle } from '../components/title';

const FINAL = new Set(['success', 'failure', 'error', 'cancelled', 'skipped', 'reused']);

export function RunPage() {
  const { params } = useRoute();
  const location = useLocation();
  const id = params.id!;
  const workflow = useLoad(() => ok(api.GET('/workflow', { params: { query: { id } } })), [id]);
  const [statuses, setStatuses] = useState<Record<string, string>>({});
  useTitle(workflow.value ? `Run #${workflow.value.number}` : 'Run');

  useEffect(
    () =>
      followEvents(`/workflow/events?id=${encodeURIComponent(id)}&logs=none`, {
        onEvent(event, data) {
          const nodes = event === 'snapshot' ? (data as { nodes: { id: string; status: string }[] }).nodes : event === 'status' ? [data as { id: string; status: string }] : [];
          if (nodes.length) setStatuses((known) => ({ ...known, ...Object.fromEntries(nodes.map((node) => [node.id, node.status])) }));
        },
      }),
    [id],
  );

  if (workflow.error) return <section class="page-pad"><h1>Run</h1><Failure error={workflow.error} what="run" /></section>;
  if (!workflow.value) return <p class="muted page-pad" aria-busy="true">Loading the run…</p>;
  const executions: (Execution & { path: string })[] = workflow.value.pipelines.flatMap((pipeline) =>
    pipeline.stages.flatMap((stage) => stage.executions.map((execution) => ({ ...execution, path: `${pipeline.name} / ${stage.name} / ${execution.name}` }))),
  );
  const chosen = executions.find((execution) => execution.id === location.query.execution) ?? executions[0];
  const statusOf = (execution: Execution) => statuses[execution.id] ?? execution.status;

  return (
    <section class="page-pad stack">
      <h1>Run #{workflow.value.number}</h1>
      {executions.length === 0 ? (
        <p class="empty">This run has no executions yet: they appear once its plan is read from the repository.</p>
      ) : (
        <nav aria-label="Executions" class="row">
          {executions.map((execution) => (
            <button
              type="button"
              key={execution.id}
              class="button"
              aria-current={execution === chosen ? 'true' : undefined}
              onClick={() => location.route(`${location.path}?execution=${execution.id}`, true)}
            >
              {execution.path} <StatusBadge status={statusOf(execution)} />
            </button>
          ))}
        </nav>
      )}
      {chosen && <LogViewer workflowId={id} executionId={chosen.id} executionName={chosen.path} running={!FINAL.has(statusOf(chosen))} />}
    </section>
  );
}
