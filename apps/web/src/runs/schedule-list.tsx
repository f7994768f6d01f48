/**
 * A project's schedules (GET /project/schedules), folded under the runs page's toolbar: each one's cron, branch, when
 * it runs next and how its last due time went. Nothing is shown for a project without schedules.
 */
import { api, ok } from '../api/client';
import { useLoad } from '../components/load';
import { StatusBadge } from '../components/status';
import { useNow } from '../components/time';
import { paths } from '../app';
import { cronWords, formatDueIn, lastOutcome, type Schedule } from './schedules';

function LastRun({ schedule }: { schedule: Schedule }) {
  const outcome = lastOutcome(schedule);
  if (outcome.kind === 'none') return <span class="muted">not run yet</span>;
  if (outcome.kind === 'error') return <span class="schedule-error">Not started: {outcome.why}</span>;
  return (
    <a class="latest-run" href={paths.run(outcome.run.id)} aria-label={`Run ${outcome.run.number} of schedule ${schedule.name}`}>
      <span class="mono">#{outcome.run.number}</span>
      <StatusBadge status={outcome.run.status} />
    </a>
  );
}

export function ScheduleList({ projectId }: { projectId: string }) {
  const loaded = useLoad(() => ok(api.GET('/project/schedules', { params: { query: { id: projectId } } })), [projectId]);
  const now = useNow(30_000);
  const answer = loaded.value;
  // the runs are the page; a failure to read the schedules is not worth an alert above them
  if (!answer || answer.schedules.length === 0) return null;
  const source = answer.source;
  return (
    <details class="card schedules">
      <summary>
        Schedules <span class="muted">({answer.schedules.length})</span>
      </summary>
      <table class="table schedules-table">
        <caption class="visually-hidden">Schedules, as run #{source?.number} on {answer.default_branch} declares them</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Cron</th>
            <th scope="col">Branch</th>
            <th scope="col">Next run</th>
            <th scope="col">Last run</th>
          </tr>
        </thead>
        <tbody>
          {answer.schedules.map((schedule) => (
            <tr key={schedule.name}>
              <td>{schedule.name}</td>
              <td class="mono">{cronWords(schedule)}</td>
              <td class="mono">{schedule.branch ?? answer.default_branch}</td>
              <td>
                {schedule.next_due_at ? (
                  <time dateTime={schedule.next_due_at} title={new Date(schedule.next_due_at).toLocaleString()}>
                    {formatDueIn(schedule.next_due_at, now)}
                  </time>
                ) : (
                  <span class="muted">{formatDueIn(null, now)}</span>
                )}
              </td>
              <td>
                <LastRun schedule={schedule} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {source && (
        <p class="muted schedules-source">
          Read from <a href={paths.run(source.workflow_id)}>run #{source.number}</a> ({source.sha.slice(0, 7)}), the latest push to {answer.default_branch}. Schedules change with the{' '}
          <code>.factory</code> files of the default branch.
        </p>
      )}
    </details>
  );
}
