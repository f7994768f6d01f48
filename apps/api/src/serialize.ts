import { recordedAttempts, type ApiToken, type Execution, type Owner, type Pipeline, type Project, type Stage, type User, type Workflow } from '@factoryci/db';
import type { EventName, RunAttempt } from '@factoryci/run-state';

/** Database rows → the API's JSON (snake_case, ids of GitHub objects as numbers, never a stored secret). */

const num = (v: bigint | null): number | null => (v === null ? null : Number(v));
export const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A workflow's stored inputs (a JSON object of strings), or null. */
export function inputsOf(v: unknown): Record<string, string> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function ownerJson(o: Owner) {
  return {
    id: o.id,
    name: o.name,
    github_login: o.githubLogin,
    github_id: num(o.githubId),
    github_type: o.githubType,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

export function projectJson(p: Project & { owner: Pick<Owner, 'id' | 'name'> }) {
  return {
    id: p.id,
    owner: { id: p.owner.id, name: p.owner.name },
    project: p.name,
    url: p.url,
    github_full_name: p.githubFullName,
    github_repo_id: num(p.githubRepoId),
    installation_id: num(p.installationId),
    github_hook_id: num(p.githubHookId),
    default_branch: p.defaultBranch,
    fork_policy: p.forkPolicy,
    fork_secret_pipelines: strings(p.forkSecretPipelines),
    max_cpu: p.maxCpu,
    max_memory: p.maxMemory,
    max_concurrent_runs: p.maxConcurrentRuns,
    cancel_superseded: p.cancelSuperseded,
    log_cap_bytes: p.logCapBytes,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function workflowJson(w: Workflow) {
  return {
    id: w.id,
    project_id: w.projectId,
    number: w.number,
    // a VARCHAR column that only acceptRuns (a RunEvent) and the manual trigger write
    event: w.event as EventName,
    action: w.action,
    ref: w.ref,
    sha: w.sha,
    branch: w.branch,
    tag: w.tag,
    pr_number: w.prNumber,
    base_sha: w.baseSha,
    head_repo_full_name: w.headRepoFullName,
    trusted: w.trusted,
    sender: w.sender,
    commit_message: w.commitMessage,
    commit_author: w.commitAuthor,
    changed_paths: Array.isArray(w.changedPaths) ? strings(w.changedPaths) : null,
    status: w.status,
    status_reason: w.statusReason,
    runner_handle: w.runnerHandle,
    enqueued_at: iso(w.enqueuedAt),
    created_at: w.createdAt.toISOString(),
    started_at: iso(w.startedAt),
    finished_at: iso(w.finishedAt),
    rerun_of: w.rerunOf,
    requested_by: w.requestedBy,
    approved_by: w.approvedBy,
    cancelled_by: w.cancelledBy,
    inputs: inputsOf(w.inputs),
    schedule: w.schedule,
    scheduled_for: iso(w.scheduledFor),
  };
}

type Step = { id: string; name: string; position: number; status: string; startedAt: Date | null; finishedAt: Date | null };
const stepJson = (s: Step) => ({
  id: s.id,
  name: s.name,
  position: s.position,
  status: s.status,
  started_at: iso(s.startedAt),
  finished_at: iso(s.finishedAt),
});

/** An execution's retried attempts as the API shows them (the JSON column as the agent reported it). */
export function attemptsJson(value: unknown): RunAttempt[] {
  return recordedAttempts(value).map((a) => ({
    attempt: a.attempt,
    status: a.status,
    exit_code: a.exitCode,
    reason: a.reason,
    started_at: a.startedAt,
    finished_at: a.finishedAt,
    log_seq: a.logSeq,
  }));
}

export type WorkflowTree = Workflow & { pipelines: (Pipeline & { stages: (Stage & { executions: Execution[] })[] })[] };

export function workflowTreeJson(w: WorkflowTree) {
  return {
    ...workflowJson(w),
    pipelines: w.pipelines.map((p) => ({
      ...stepJson(p),
      depends_on: strings(p.dependsOn),
      reason: p.reason,
      reused_from: p.reusedFrom,
      stages: p.stages.map((s) => ({
        ...stepJson(s),
        executions: s.executions.map((e) => ({
          ...stepJson(e),
          command: e.command,
          exit_code: e.exitCode,
          reason: e.reason,
          allow_failure: e.allowFailure,
          allowed_failure: e.allowFailure && (e.status === 'failure' || e.status === 'error'),
          attempts: attemptsJson(e.attempts),
        })),
      })),
    })),
  };
}

/** A user as GET /me and sign-in show them. */
export function principalUserJson(u: Pick<User, 'id' | 'login' | 'name' | 'admin'>) {
  return { id: u.id, login: u.login, name: u.name, admin: u.admin };
}

/** A user as GET /users shows them (never the password hash). */
export function userJson(u: User) {
  return {
    ...principalUserJson(u),
    github_login: u.githubLogin,
    has_password: u.passwordHash !== null,
    disabled_at: iso(u.disabledAt),
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

/** A personal access token as GET /user/tokens lists it (never the token). */
export function accessTokenJson(t: ApiToken) {
  return { id: t.id, name: t.name, prefix: t.prefix, created_at: t.createdAt.toISOString(), expires_at: iso(t.expiresAt), last_used_at: iso(t.lastUsedAt) };
}
