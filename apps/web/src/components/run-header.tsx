/** The run page's header: status, number and project, commit, ref, event, who started it, times, and its reason. */
import type { Project, WorkflowDetail } from '../api/types';
import { paths } from '../app';
import { isEnded, reasonIsProminent, reasonParts, refWords, triggerFacts } from '../run/run-facts';
import { StatusBadge } from './status';
import { Age, Duration } from './time';

/** The first line of the commit's message (a pull request's title), else null. */
function commitMessage(run: WorkflowDetail): string | null {
  const first = run.commit_message?.split('\n')[0]?.trim();
  return first ? first : null;
}

export function RunReason({ run }: { run: WorkflowDetail }) {
  if (!run.status_reason) return null;
  const { summary, lines } = reasonParts(run.status_reason);
  const prominent = reasonIsProminent(run.status);
  return (
    <div class={prominent ? 'alert error run-reason' : 'alert run-reason'} role={prominent ? 'alert' : undefined}>
      <p class="run-reason-summary">{summary}</p>
      {lines.length > 0 && (
        <ul class="run-reason-lines" aria-label="Errors">
          {lines.map((line) => (
            <li key={line}>
              <code>{line}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Whether the page follows the run: said only while the run has not ended. */
function LiveState({ run, live }: { run: WorkflowDetail; live: boolean }) {
  if (isEnded(run.status)) return null;
  return (
    <span class="run-live" role="status">
      {live ? 'live' : 'reconnecting…'}
    </span>
  );
}

export function RunHeader({ run, project, live }: { run: WorkflowDetail; project: Project | undefined; live: boolean }) {
  const message = commitMessage(run);
  const projectName = project ? `${project.owner.name}/${project.project}` : 'its project';
  return (
    <header class="run-header">
      <p class="run-crumbs">
        <a href={paths.project(run.project_id)}>{projectName}</a>
        <span aria-hidden="true"> / </span>
        <span>run #{run.number}</span>
      </p>
      <div class="run-title">
        <h1>Run #{run.number}</h1>
        <StatusBadge status={run.status} />
        <LiveState run={run} live={live} />
      </div>
      <dl class="run-facts">
        <div>
          <dt>Commit</dt>
          <dd>
            <code title={run.sha}>{run.sha.slice(0, 7)}</code> {message ?? <span class="muted">{run.ref}</span>}
            {run.commit_author && <span class="muted"> by {run.commit_author}</span>}
          </dd>
        </div>
        <div>
          <dt>Ref</dt>
          <dd>{refWords(run)}</dd>
        </div>
        <div>
          <dt>Event</dt>
          <dd>{run.event.replace('_', ' ')}</dd>
        </div>
        {triggerFacts(run).map((fact) => (
          <div key={fact.label}>
            <dt>{fact.label}</dt>
            <dd>{fact.runId ? <a href={paths.run(fact.runId)}>{fact.text}</a> : fact.text}</dd>
          </div>
        ))}
        <div>
          <dt>Started</dt>
          <dd>{run.started_at ? <Age at={run.started_at} /> : <span class="muted">not yet</span>}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{run.started_at ? <Duration from={run.started_at} to={run.finished_at} /> : <span class="muted">—</span>}</dd>
        </div>
      </dl>
      <RunReason run={run} />
    </header>
  );
}
