/**
 * A project's runs, newest first: filtered by branch, event and status and paged (all in the URL query, so links and
 * Back work), kept live by the project's events stream (new runs at the top of page 1, status changes in place).
 */
import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { followEvents } from '../api/event-stream';
import type { Answer, Project, Workflow } from '../api/types';
import { Failure, useLoad } from '../components/load';
import { StatusBadge } from '../components/status';
import { Age, Duration } from '../components/time';
import { useTitle } from '../components/title';
import { paths } from '../app';
import { RunBranchForm } from '../runs/run-branch-form';
import { ScheduleList } from '../runs/schedule-list';
import {
  EVENT_WORDS,
  EVENTS,
  firstLine,
  mergeWorkflow,
  PAGE_SIZE,
  queryOfView,
  runTarget,
  STATUSES,
  viewOfQuery,
  whoStarted,
  type RunFilters,
  type RunListView,
} from '../runs/run-list';
import { statusWords } from '../components/status';
import '../styles/runs.css';

type Permissions = Answer<'/project/permissions', 'get'>;

interface RunsPage {
  /** The project and view it was read for (so live changes merge only into the page they belong to). */
  key: string;
  runs: Workflow[];
  /** Whether an older page exists (one more run than a page was there when it was read). */
  hasOlder: boolean;
}

const pageKey = (projectId: string, view: RunListView): string => `${projectId}${queryOfView(view)}`;

async function loadRuns(projectId: string, view: RunListView): Promise<RunsPage> {
  const { branch, event, status } = view.filters;
  const query = { project: projectId, limit: PAGE_SIZE + 1, offset: (view.page - 1) * PAGE_SIZE, ...(branch ? { branch } : {}), ...(event ? { event } : {}), ...(status ? { status } : {}) };
  const runs = await ok(api.GET('/workflows', { params: { query } }));
  return { key: pageKey(projectId, view), runs: runs.slice(0, PAGE_SIZE), hasOlder: runs.length > PAGE_SIZE };
}

/** Follows the project's events stream while the page is loaded, merging each change into the page shown. */
/** Whether the page follows the stream: live, (re)connecting, or stopped for good (the reason: a 4xx's message). */
type Liveness = { state: 'live' } | { state: 'connecting' } | { state: 'stopped'; why: string };

function useLiveRuns(projectId: string, view: RunListView, loaded: RunsPage | undefined, set: (page: RunsPage) => void): Liveness {
  const [liveness, setLiveness] = useState<Liveness>({ state: 'connecting' });
  const key = pageKey(projectId, view);
  const ready = loaded?.key === key;
  useEffect(() => {
    if (!ready || !loaded) return undefined;
    let current = loaded;
    const merge = (changes: Workflow[]) => {
      const runs = changes.reduce((shown, change) => mergeWorkflow(shown, change, view), current.runs);
      current = { ...current, runs };
      set(current);
    };
    return followEvents(`/project/events?id=${encodeURIComponent(projectId)}`, {
      onEvent(event, data) {
        if (event === 'snapshot') merge([...(data as { workflows: Workflow[] }).workflows].reverse());
        else if (event === 'workflow') merge([data as Workflow]);
      },
      onConnection: (connected) => setLiveness((now) => (now.state === 'stopped' ? now : { state: connected ? 'live' : 'connecting' })),
      onFailure: (_status, message) => setLiveness({ state: 'stopped', why: message }),
    });
    // a new page (filters, page) is loaded, then followed again; `loaded` changes with every merge, kept in `current`
  }, [key, ready]);
  return liveness;
}

function Filters({ view, onChange }: { view: RunListView; onChange(filters: RunFilters): void }) {
  const [branch, setBranch] = useState(view.filters.branch ?? '');
  useEffect(() => setBranch(view.filters.branch ?? ''), [view.filters.branch]);
  const filtered = Object.keys(view.filters).length > 0;
  return (
    <form
      class="run-filters"
      aria-label="Filter runs"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...view.filters, branch: branch.trim() || undefined });
      }}
    >
      <div class="field">
        <label for="filter-branch">Branch</label>
        <span class="branch-field">
          <input id="filter-branch" name="branch" value={branch} onInput={(e) => setBranch(e.currentTarget.value)} placeholder="any branch" autocomplete="off" spellcheck={false} />
          <button class="button">Filter</button>
        </span>
      </div>
      <div class="field">
        <label for="filter-event">Event</label>
        <select id="filter-event" name="event" value={view.filters.event ?? ''} onChange={(e) => onChange({ ...view.filters, event: (e.currentTarget.value || undefined) as RunFilters['event'] })}>
          <option value="">any event</option>
          {EVENTS.map((event) => (
            <option value={event}>{EVENT_WORDS[event]}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status" value={view.filters.status ?? ''} onChange={(e) => onChange({ ...view.filters, status: (e.currentTarget.value || undefined) as RunFilters['status'] })}>
          <option value="">any status</option>
          {STATUSES.map((status) => (
            <option value={status}>{statusWords(status)}</option>
          ))}
        </select>
      </div>
      {filtered && (
        <button type="button" class="button subtle clear-filters" onClick={() => onChange({})}>
          Clear filters
        </button>
      )}
    </form>
  );
}

function RunRow({ run, projectPath }: { run: Workflow; projectPath: string }) {
  const message = firstLine(run.commit_message);
  const who = whoStarted(run);
  return (
    <tr>
      <td class="run-cell">
        <a class="run-number" href={paths.run(run.id)} aria-label={`Run ${run.number}`}>
          #{run.number}
        </a>
        <StatusBadge status={run.status} title={run.status_reason ?? undefined} />
      </td>
      <td class="commit-cell">
        <span class="commit-message">{message ?? <span class="muted">{run.event === 'manual' ? 'Run by hand' : run.event === 'schedule' ? `Scheduled: ${run.schedule ?? 'schedule'}` : 'No commit message'}</span>}</span>
        <span class="mono muted commit-sha" title={run.sha}>
          {run.sha.slice(0, 7)}
        </span>
      </td>
      <td class="target-cell">
        <a class="mono" href={`${projectPath}${queryOfView({ filters: { branch: run.branch ?? undefined }, page: 1 })}`} title={run.pr_number !== null ? `pull request #${run.pr_number} into ${run.branch}` : `runs of ${run.branch ?? run.ref}`}>
          {runTarget(run)}
        </a>
        <span class="muted event-words">{EVENT_WORDS[run.event]}</span>
      </td>
      <td class="who-cell">{who ?? <span class="muted">—</span>}</td>
      <td class="when-cell">
        <Age at={run.created_at} />
        <Duration from={run.started_at} to={run.finished_at} />
      </td>
    </tr>
  );
}

function Pager({ view, hasOlder, projectPath }: { view: RunListView; hasOlder: boolean; projectPath: string }) {
  if (view.page === 1 && !hasOlder) return null;
  return (
    <nav class="pager" aria-label="Pages of runs">
      {view.page > 1 ? <a class="button" href={`${projectPath}${queryOfView({ ...view, page: view.page - 1 })}`}>← Newer</a> : <span />}
      <span class="muted">Page {view.page}</span>
      {hasOlder ? <a class="button" href={`${projectPath}${queryOfView({ ...view, page: view.page + 1 })}`}>Older →</a> : <span />}
    </nav>
  );
}

function NoRuns({ view, canTrigger }: { view: RunListView; canTrigger: boolean }) {
  if (Object.keys(view.filters).length > 0) return <p class="card empty-state">No runs match these filters. Change them, or clear them to see every run.</p>;
  if (view.page > 1) return <p class="card empty-state">No older runs. Go back to newer ones.</p>;
  return (
    <div class="card empty-state">
      <h2>No runs yet</h2>
      <p>Runs start when someone pushes to the repository or opens a pull request{canTrigger ? ', or when you use “Run a branch” above' : ''}. They appear here as they start.</p>
    </div>
  );
}

function Header({ project, permissions, formOpen, onRunBranch }: { project: Project; permissions: Permissions | undefined; formOpen: boolean; onRunBranch(): void }) {
  const may = (action: string) => permissions?.actions.includes(action as never) === true;
  return (
    <header class="runs-header">
      <div>
        <p class="muted crumbs">
          <a href={paths.projects()}>Projects</a> / {project.owner.name}
        </p>
        <h1>
          {project.owner.name}/{project.project}
        </h1>
      </div>
      <div class="row">
        {may('configure') && (
          <a class="button" href={paths.projectSettings(project.id)}>
            Settings
          </a>
        )}
        {may('trigger') && (
          <button type="button" class="button primary" aria-expanded={formOpen} onClick={onRunBranch}>
            Run a branch
          </button>
        )}
      </div>
    </header>
  );
}

export function ProjectRunsPage() {
  const { params } = useRoute();
  const location = useLocation();
  const projectId = params.id ?? '';
  const view = viewOfQuery(location.query);
  const projectPath = paths.project(projectId);
  const [formOpen, setFormOpen] = useState(false);

  const project = useLoad(() => ok(api.GET('/project', { params: { query: { id: projectId } } })), [projectId]);
  const permissions = useLoad(() => ok(api.GET('/project/permissions', { params: { query: { id: projectId } } })), [projectId]);
  const runs = useLoad(() => loadRuns(projectId, view), [projectId, queryOfView(view)]);
  const live = useLiveRuns(projectId, view, runs.value, runs.set);
  useTitle(project.value ? `${project.value.owner.name}/${project.value.project} · runs` : 'Runs');

  const show = (filters: RunFilters) => location.route(`${projectPath}${queryOfView({ filters, page: 1 })}`);

  if (project.error) {
    return (
      <section class="page-pad">
        <h1>Runs</h1>
        <Failure error={project.error} what="project" />
      </section>
    );
  }
  if (!project.value) {
    return (
      <section class="page-pad">
        <h1>Runs</h1>
        <p class="muted" aria-busy="true">
          Loading the project…
        </p>
      </section>
    );
  }
  const canTrigger = permissions.value?.actions.includes('trigger') === true;
  return (
    <section class="page-pad runs-page">
      <Header project={project.value} permissions={permissions.value} formOpen={formOpen} onRunBranch={() => setFormOpen((open) => !open)} />
      {formOpen && canTrigger && (
        <RunBranchForm projectId={projectId} defaultBranch={project.value.default_branch} onClose={() => setFormOpen(false)} onStarted={(run) => location.route(paths.run(run.id))} />
      )}
      <ScheduleList projectId={projectId} />
      <div class="runs-toolbar">
        <Filters view={view} onChange={show} />
        <span class={`live ${live.state}`} role="status">
          {live.state === 'live' ? 'Live' : live.state === 'connecting' ? 'Connecting…' : `Live updates stopped (${live.why}): reload the page to see changes`}
        </span>
      </div>
      {runs.error && <Failure error={runs.error} what="runs" />}
      {!runs.value && !runs.error && (
        <p class="muted" aria-busy="true">
          Loading runs…
        </p>
      )}
      {runs.value?.runs.length === 0 && <NoRuns view={view} canTrigger={canTrigger} />}
      {runs.value && runs.value.runs.length > 0 && (
        <table class="table runs-table">
          <caption class="visually-hidden">Runs of {project.value.owner.name}/{project.value.project}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Commit</th>
              <th scope="col">Branch</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {runs.value.runs.map((run) => (
              <RunRow key={run.id} run={run} projectPath={projectPath} />
            ))}
          </tbody>
        </table>
      )}
      {runs.value && <Pager view={view} hasOlder={runs.value.hasOlder} projectPath={projectPath} />}
    </section>
  );
}
