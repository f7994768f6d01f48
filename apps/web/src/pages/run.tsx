/**
 * A run (/runs/:id; GitHub's details_url): its header and the actions the caller's role allows, its pipeline graph
 * kept live by the events stream, and the log of the execution chosen (?execution=<id>; by default the first failed,
 * else the running one, else the last).
 */
import { useLocation, useRoute } from 'preact-iso';
import { api, ok } from '../api/client';
import type { WorkflowDetail } from '../api/types';
import { paths } from '../app';
import { Failure, useLoad } from '../components/load';
import { ExecutionNotes } from '../components/execution-notes';
import { LogViewer } from '../components/log-viewer';
import { PipelineGraph } from '../components/pipeline-graph';
import { RunActionsBar } from '../components/run-actions';
import { RunHeader } from '../components/run-header';
import { useTitle } from '../components/title';
import { isEnded } from '../run/run-facts';
import { executionsOf, selectedExecution } from '../run/selection';
import { useLiveRun } from '../run/use-live-run';
import '../styles/run.css';

/** What the graph says while a run has no pipelines. */
function noPipelines(run: WorkflowDetail): string {
  if (run.status === 'awaiting_approval') return 'This run waits for approval: once someone with the write role approves it, its pipelines appear here as the agent plans them.';
  if (!isEnded(run.status)) return 'The agent has not read .factory/ yet: the pipelines appear here as soon as it has planned the run.';
  if (run.status_reason) return 'No pipeline ran: the reason is above.';
  return 'No pipeline of .factory/ matched this event and its changed paths (their filters), so nothing ran.';
}

function executionLabel(run: WorkflowDetail, executionId: string): string {
  for (const pipeline of run.pipelines)
    for (const stage of pipeline.stages)
      for (const execution of stage.executions) if (execution.id === executionId) return `${pipeline.name} / ${stage.name} / ${execution.name}`;
  return executionId;
}

export function RunPage() {
  const { params } = useRoute();
  const location = useLocation();
  const id = params.id ?? '';
  const { run, error, live, reload } = useLiveRun(id);
  const projectId = run?.project_id;
  const project = useLoad(async () => (projectId ? ok(api.GET('/project', { params: { query: { id: projectId } } })) : undefined), [projectId]);
  const permissions = useLoad(async () => (projectId ? ok(api.GET('/project/permissions', { params: { query: { id: projectId } } })) : null), [projectId]);
  useTitle(run ? `Run #${run.number}${project.value ? ` · ${project.value.owner.name}/${project.value.project}` : ''}` : 'Run');

  if (error && !run) return <section class="page-pad"><h1>Run</h1><Failure error={error} what="run" /></section>;
  if (!run) return <section class="page-pad"><h1>Run</h1><p class="muted" aria-busy="true">Loading the run…</p></section>;

  const selected = selectedExecution(run, location.query.execution);
  const execution = executionsOf(run).find((e) => e.id === selected);
  const select = (executionId: string) => location.route(`${paths.run(run.id)}?execution=${encodeURIComponent(executionId)}`, true);

  return (
    <section class="page-pad run-page">
      <RunHeader run={run} project={project.value} live={live} />
      <RunActionsBar run={run} permissions={permissions.value ?? null} changed={() => void reload()} rerunStarted={(next) => location.route(paths.run(next.id))} />
      {error && <Failure error={error} what="run's live updates" />}
      <section class="run-graph" aria-labelledby="graph-title">
        <h2 id="graph-title">Pipelines</h2>
        {run.pipelines.length === 0 ? <p class="empty">{noPipelines(run)}</p> : <PipelineGraph run={run} selected={selected} onSelect={select} />}
      </section>
      {execution && (
        <section class="run-log" aria-labelledby="log-title">
          <h2 id="log-title">
            Log of <span class="mono">{executionLabel(run, execution.id)}</span>
          </h2>
          <ExecutionNotes execution={execution} />
          <LogViewer workflowId={run.id} executionId={execution.id} executionName={executionLabel(run, execution.id)} running={execution.status === 'running' || execution.status === 'pending'} />
        </section>
      )}
    </section>
  );
}
