/** What the commands print for people, as pure functions of the API's JSON, the time and a palette. */
import type { ExecutionNode, Me, Project, Schedules, Secret, TokenInfo, Workflow, WorkflowTree } from './api-types.js';
import { statusText, type Palette } from './colors.js';
import { formatElapsed, formatRelative } from '@factoryci/run-state';
import { renderTable } from './table.js';

export interface ViewContext {
  now: number;
  colors: Palette;
}

export function projectsTable(projects: readonly Project[], { now, colors }: ViewContext): string {
  if (projects.length === 0) return 'No projects.\n';
  return renderTable(
    projects.map((p) => [p.id, `${p.owner.name}/${p.project}`, p.default_branch, p.url, formatRelative(p.created_at, now)]),
    ['ID', 'PROJECT', 'BRANCH', 'URL', 'CREATED'].map(colors.bold),
  );
}

/** What a run ran: the branch, tag or pull request. */
export function runSubject(run: Workflow): string {
  if (run.event === 'pull_request') return `#${run.pr_number ?? '?'} → ${run.branch ?? '?'}`;
  if (run.event === 'tag') return run.tag ?? run.ref;
  return run.branch ?? run.ref;
}

export function runsTable(runs: readonly Workflow[], { now, colors }: ViewContext): string {
  if (runs.length === 0) return 'No runs.\n';
  return renderTable(
    runs.map((run) => [
      run.id,
      `#${run.number}`,
      statusText(run.status, colors),
      run.event,
      runSubject(run),
      run.sha.slice(0, 7),
      formatRelative(run.created_at, now),
      formatElapsed(run.started_at, run.finished_at, now),
    ]),
    ['ID', 'RUN', 'STATUS', 'EVENT', 'BRANCH', 'SHA', 'CREATED', 'DURATION'].map(colors.bold),
  );
}

/** One line for a run: after cancel, rerun, approve, trigger. */
export function runLine(run: Workflow, { colors }: ViewContext): string {
  return `run #${run.number} ${run.id}: ${statusText(run.status, colors)} (${run.event} ${runSubject(run)} ${run.sha.slice(0, 7)})\n`;
}

/** Its exit code, whether its failure was allowed, its retries (`attempt 3; earlier: exit 1, error`) and its reason. */
function executionNote(execution: ExecutionNode): string {
  const earlier = execution.attempts ?? [];
  const retried = earlier.length > 0 ? `attempt ${earlier.length + 1}; earlier: ${earlier.map((a) => (a.exit_code === null ? a.status : `exit ${a.exit_code}`)).join(', ')}` : '';
  const parts = [execution.exit_code === null ? '' : `exit ${execution.exit_code}`, execution.allowed_failure ? 'allowed failure' : '', retried, execution.reason ?? ''];
  return parts.filter(Boolean).join(' · ');
}

/** A run as a tree: the run's header, then pipelines → stages → executions with status, duration and notes. */
export function runTreeText(run: WorkflowTree, { now, colors }: ViewContext): string {
  const header = [
    `${colors.bold(`run #${run.number}`)}  ${statusText(run.status, colors)}  ${run.event} ${runSubject(run)} ${run.sha.slice(0, 7)}`,
    `id ${run.id} · project ${run.project_id}`,
    [
      `created ${formatRelative(run.created_at, now)}`,
      run.started_at ? `took ${formatElapsed(run.started_at, run.finished_at, now)}` : '',
      run.rerun_of ? `re-run of ${run.rerun_of}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    ...(run.status_reason ? [`reason: ${run.status_reason}`] : []),
  ];
  const rows: string[][] = [];
  for (const pipeline of run.pipelines) {
    const after = pipeline.depends_on.length > 0 ? colors.dim(` (after ${pipeline.depends_on.join(', ')})`) : '';
    rows.push([`${pipeline.name}${after}`, statusText(pipeline.status, colors), formatElapsed(pipeline.started_at, pipeline.finished_at, now), pipeline.reason ?? '']);
    for (const stage of pipeline.stages) {
      rows.push([`  ${stage.name}`, statusText(stage.status, colors), formatElapsed(stage.started_at, stage.finished_at, now), '']);
      for (const execution of stage.executions) {
        rows.push([`    ${execution.name}`, statusText(execution.status, colors), formatElapsed(execution.started_at, execution.finished_at, now), executionNote(execution)]);
      }
    }
  }
  const tree = rows.length > 0 ? renderTable(rows) : colors.dim('No pipelines yet (the plan is recorded when the run starts).\n');
  return `${header.join('\n')}\n\n${tree}`;
}

export function secretsTable(secrets: readonly Secret[], { now, colors }: ViewContext): string {
  if (secrets.length === 0) return 'No secrets.\n';
  return renderTable(
    secrets.map((s) => [s.name, formatRelative(s.created_at, now), formatRelative(s.updated_at, now)]),
    ['NAME', 'CREATED', 'UPDATED'].map(colors.bold),
  );
}

/** `2026-12-08 03:00 UTC` */
const utcMinute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** How long until `iso`: `in 5m`, `in 3h`, `in 2d`; `due now` once it has come. */
export function formatUntil(iso: string, now: number): string {
  const minutes = Math.ceil((Date.parse(iso) - now) / 60_000);
  if (!(minutes > 0)) return 'due now';
  if (minutes < 60) return `in ${minutes}m`;
  if (minutes < 48 * 60) return `in ${Math.floor(minutes / 60)}h`;
  return `in ${Math.floor(minutes / 1440)}d`;
}

/** A project's schedules: when each runs next, its last run (or why it started none), and where they were read. */
export function schedulesTable(answer: Schedules, { now, colors }: ViewContext): string {
  const from = answer.source
    ? `From the .factory of run #${answer.source.number} (${answer.source.sha.slice(0, 7)}), the newest push to ${answer.default_branch} that planned.\n`
    : `No push to ${answer.default_branch} has been planned yet: schedules are read from its .factory.\n`;
  if (answer.schedules.length === 0) return `No schedules.\n${from}`;
  const last = (s: Schedules['schedules'][number]): string => {
    if (s.last_error) return colors.red(`no run: ${s.last_error}`);
    if (s.last_run) return `#${s.last_run.number} ${statusText(s.last_run.status, colors)}`;
    return s.last_due_at ? 'deleted' : 'never run';
  };
  const table = renderTable(
    answer.schedules.map((s) => [
      s.name,
      s.cron,
      s.timezone,
      s.branch ?? `${answer.default_branch} (default)`,
      s.next_due_at ? `${utcMinute(s.next_due_at)} (${formatUntil(s.next_due_at, now)})` : 'never',
      last(s),
    ]),
    ['NAME', 'CRON', 'ZONE', 'BRANCH', 'NEXT', 'LAST RUN'].map(colors.bold),
  );
  return `${table}${from}`;
}

export function tokensTable(tokens: readonly TokenInfo[], { now, colors }: ViewContext): string {
  if (tokens.length === 0) return 'No tokens.\n';
  return renderTable(
    tokens.map((t) => [
      t.id,
      t.name,
      `${t.prefix}…`,
      formatRelative(t.created_at, now),
      t.expires_at ? t.expires_at.slice(0, 10) : 'never',
      t.last_used_at ? formatRelative(t.last_used_at, now) : 'never',
    ]),
    ['ID', 'NAME', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED'].map(colors.bold),
  );
}

export function whoamiText(me: Me, server: string): string {
  const via = { admin_token: 'the admin token', token: 'a personal access token', session: 'a session' }[me.via] ?? me.via;
  if (me.user === null) return `${me.kind === 'admin' ? 'admin' : 'unknown user'} (by ${via}) on ${server}\n`;
  const name = me.user.name ? ` (${me.user.name})` : '';
  return `${me.user.login}${name}${me.user.admin ? ', admin,' : ''} by ${via} on ${server}\n`;
}
