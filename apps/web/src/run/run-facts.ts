/** What the run page says about a run, as data (pure): its ref, who or what started it, its reason, its actions. */
import type { ProjectPermissions, Workflow } from '../api/types';

export const ENDED: ReadonlySet<string> = new Set(['success', 'failure', 'cancelled', 'error']);
export const isEnded = (status: string): boolean => ENDED.has(status);

/** The ref as people name it: "PR #12 (feature)", "tag v1.0", "main". */
export function refWords(run: Pick<Workflow, 'ref' | 'branch' | 'tag' | 'pr_number'>): string {
  if (run.pr_number !== null) return run.branch ? `PR #${run.pr_number} (${run.branch})` : `PR #${run.pr_number}`;
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

/** The actions offered: what the run's status allows and the caller's role on its project permits. */
export function runActions(status: string, permissions: Pick<ProjectPermissions, 'actions'> | null): RunActions {
  const may = (action: string) => permissions?.actions.some((a) => a === action) ?? false;
  const ended = isEnded(status);
  return {
    cancel: may('cancel') && !ended,
    rerun: may('rerun') && ended,
    rerunFailed: may('rerun') && ended && status !== 'success',
    approve: may('approve') && status === 'awaiting_approval',
  };
}
