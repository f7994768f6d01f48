/** What the run page says about a run, as data (pure): its ref, who or what started it, its reason, its actions. */
import type { Pipeline, ProjectPermissions, Workflow } from '../api/types';

export const ENDED: ReadonlySet<string> = new Set(['success', 'failure', 'cancelled', 'error']);
export const isEnded = (status: string): boolean => ENDED.has(status);

/** The ref as people name it: "PR #12 into main from mallory/fork", "tag v1.0", "main" (a pull request's branch is its target). */
export function refWords(run: Pick<Workflow, 'ref' | 'branch' | 'tag' | 'pr_number' | 'trusted' | 'head_repo_full_name'>): string {
  if (run.pr_number !== null) {
    const from = !run.trusted && run.head_repo_full_name ? ` from ${run.head_repo_full_name}` : '';
    return `PR #${run.pr_number}${run.branch ? ` into ${run.branch}` : ''}${from}`;
  }
  if (run.tag !== null) return `tag ${run.tag}`;
  return run.branch ?? run.ref;
}

/** A principal as recorded (`user:<login>`, `admin`, `github:<login>`) in words. */
export function principalWords(principal: string): string {
  if (principal === 'admin') return 'the administrator (admin token)';
  const [kind, login] = principal.split(/:(.*)/s);
  if (kind === 'user' && login) return login;
  if (kind === 'github' && login) return `${login} on GitHub`;
  return principal;
}

export interface TriggerFact {
  label: string;
  text: string;
  /** A run this one links to (the run it re-runs). */
  runId?: string;
}

/** Who or what started the run, and who let it run: each one fact. */
export function triggerFacts(run: Pick<Workflow, 'requested_by' | 'sender' | 'rerun_of' | 'approved_by' | 'event'>): TriggerFact[] {
  const facts: TriggerFact[] = [];
  if (run.rerun_of) facts.push({ label: 'Re-run of', text: 'an earlier run', runId: run.rerun_of });
  if (run.requested_by) facts.push({ label: 'Requested by', text: principalWords(run.requested_by) });
  else if (run.sender) facts.push({ label: 'Sent by', text: `${run.sender} (${run.event === 'pull_request' ? 'pull request' : run.event})` });
  if (run.approved_by) facts.push({ label: 'Approved by', text: principalWords(run.approved_by) });
  return facts;
}

/** A status reason split for showing: its first line, and the lines below it (a broken `.factory`'s `file:line:col: message` errors). */
export function reasonParts(reason: string): { summary: string; lines: string[] } {
  const [summary = '', ...rest] = reason.split('\n');
  return { summary: summary.trim(), lines: rest.map((line) => line.trim()).filter((line) => line !== '') };
}

/** Whether a reason is worth showing prominently: a run that failed, errored or could not start. */
export const reasonIsProminent = (status: string): boolean => status === 'failure' || status === 'error';

export interface RunActions {
  cancel: boolean;
  rerun: boolean;
  rerunFailed: boolean;
  approve: boolean;
}

const SUCCEEDED = new Set(['success', 'reused']);

/**
 * Whether a re-run of the failed pipelines has something to run (as the API decides, failed-rerun.ts): a pipeline the
 * plan meant to run (it has stages, or was reused) that did not succeed.
 */
export const somethingFailed = (pipelines: readonly Pick<Pipeline, 'status' | 'stages'>[]): boolean =>
  pipelines.some((p) => (p.stages.length > 0 || p.status === 'reused') && !SUCCEEDED.has(p.status));

/** The actions offered: what the run's status allows and the caller's role on its project permits. */
export function runActions(run: { status: string; pipelines: readonly Pick<Pipeline, 'status' | 'stages'>[] }, permissions: Pick<ProjectPermissions, 'actions'> | null): RunActions {
  const may = (action: string) => permissions?.actions.some((a) => a === action) ?? false;
  const ended = isEnded(run.status);
  return {
    cancel: may('cancel') && !ended,
    rerun: may('rerun') && ended,
    rerunFailed: may('rerun') && ended && somethingFailed(run.pipelines),
    approve: may('approve') && run.status === 'awaiting_approval',
  };
}
