/**
 * The runs page's decisions, pure (test/web/run-list.test.ts): its filters and page as a URL query, which workflows
 * a filter keeps, how a live change of the project's events stream merges into the page shown, and how a run is
 * described (who, what).
 */
import type { Status, Workflow } from '../api/types';

export const PAGE_SIZE = 25;

type Event = Workflow['event'];
/** Every value of the API's enums, in the order the filters offer them (`satisfies` keeps them the API's). */
export const EVENTS = ['push', 'pull_request', 'tag', 'manual', 'schedule'] as const satisfies readonly Event[];
export const STATUSES = ['queued', 'awaiting_approval', 'provisioning', 'running', 'success', 'failure', 'cancelled', 'error'] as const satisfies readonly Status[];
/** Fails to compile when the API gains an event or status the filters do not offer. */
const everyEvent: Record<Event, true> = { push: true, pull_request: true, tag: true, manual: true, schedule: true };
const everyStatus: Record<Status, true> = { queued: true, awaiting_approval: true, provisioning: true, running: true, success: true, failure: true, cancelled: true, error: true };

export const EVENT_WORDS: Record<Event, string> = { push: 'push', pull_request: 'pull request', tag: 'tag', manual: 'manual', schedule: 'schedule' };

export interface RunFilters {
  branch?: string;
  event?: Event;
  status?: Status;
}

/** What the page shows: the filters and the page number (1 = newest). */
export interface RunListView {
  filters: RunFilters;
  page: number;
}

/** The view a URL query asks for; values that are not the API's are dropped (a hand-edited URL still shows runs). */
export function viewOfQuery(query: Record<string, string | undefined>): RunListView {
  const filters: RunFilters = {};
  const branch = query.branch?.trim();
  if (branch) filters.branch = branch.slice(0, 255);
  if (query.event && query.event in everyEvent) filters.event = query.event as Event;
  if (query.status && query.status in everyStatus) filters.status = query.status as Status;
  const page = Number(query.page);
  return { filters, page: Number.isInteger(page) && page > 1 ? page : 1 };
}

/** The URL query of a view ('' for all runs, page 1), in a fixed order so equal views are equal URLs. */
export function queryOfView({ filters, page }: RunListView): string {
  const params = new URLSearchParams();
  if (filters.branch) params.set('branch', filters.branch);
  if (filters.event) params.set('event', filters.event);
  if (filters.status) params.set('status', filters.status);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function matches(workflow: Workflow, filters: RunFilters): boolean {
  return (
    (filters.branch === undefined || workflow.branch === filters.branch) &&
    (filters.event === undefined || workflow.event === filters.event) &&
    (filters.status === undefined || workflow.status === filters.status)
  );
}

/**
 * A workflow created or changed, merged into the page shown (newest first, at most PAGE_SIZE): replaced where it is;
 * dropped when it no longer matches the filters; added where it belongs when it falls within this page's numbers
 * (on page 1 anything newer than its oldest, so a new run appears at the top; a full page sheds its oldest).
 */
export function mergeWorkflow(shown: readonly Workflow[], changed: Workflow, view: RunListView): Workflow[] {
  const at = shown.findIndex((w) => w.id === changed.id);
  if (!matches(changed, view.filters)) return at === -1 ? [...shown] : shown.filter((w) => w.id !== changed.id);
  if (at !== -1) return shown.map((w) => (w.id === changed.id ? changed : w));
  const newest = shown[0];
  const oldest = shown[shown.length - 1];
  const belowTop = view.page === 1 || (newest !== undefined && changed.number < newest.number);
  const aboveBottom = shown.length < PAGE_SIZE || (oldest !== undefined && changed.number > oldest.number);
  if (!belowTop || !aboveBottom || (view.page > 1 && newest === undefined)) return [...shown];
  return [...shown, changed].sort((a, b) => b.number - a.number).slice(0, PAGE_SIZE);
}

/** The first line of a commit message, or null. */
export function firstLine(message: string | null): string | null {
  const line = message?.split('\n', 1)[0]?.trim();
  return line ? line : null;
}

/** Who started a run: whoever asked by hand (a re-run, a manual trigger), else the pusher or the pull request's sender. */
export function whoStarted(workflow: Pick<Workflow, 'requested_by' | 'sender'>): string | null {
  const by = workflow.requested_by;
  if (by === 'admin') return 'administrator';
  if (by) return by.replace(/^(user|github):/, '');
  return workflow.sender;
}

/** What a run ran on: `#n` for a pull request (into its base branch), the tag, or the branch. */
export function runTarget(workflow: Pick<Workflow, 'pr_number' | 'tag' | 'branch' | 'ref'>): string {
  if (workflow.pr_number !== null) return `#${workflow.pr_number}`;
  if (workflow.tag) return workflow.tag;
  return workflow.branch ?? workflow.ref;
}

/**
 * A manual trigger's inputs as typed: one `NAME=value` a line (blank lines ignored). An error names the line that is
 * not NAME=value; the API checks the rest (names, sizes) and its message is shown as it is.
 */
export function parseInputs(text: string): { inputs: Record<string, string> } | { error: string } {
  const inputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const name = eq === -1 ? '' : line.slice(0, eq).trim();
    if (name === '') return { error: `Line ${index + 1} is not NAME=value.` };
    if (name in inputs) return { error: `${name} is given twice.` };
    inputs[name] = line.slice(eq + 1);
  }
  return { inputs };
}
