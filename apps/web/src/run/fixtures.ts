/** Run trees for the run page's unit tests. */
import type { WorkflowDetail } from '../api/types';

type Pipeline = WorkflowDetail['pipelines'][number];
type Execution = Pipeline['stages'][number]['executions'][number];

export function execution(id: string, over: Partial<Execution> = {}): Execution {
  return { id, name: id, position: 0, status: 'pending', started_at: null, finished_at: null, command: 'true', exit_code: null, reason: null, allow_failure: false, allowed_failure: false, attempts: [], ...over };
}

export function pipeline(name: string, executions: Execution[], over: Partial<Pipeline> = {}): Pipeline {
  return {
    id: `p-${name}`,
    name,
    position: 0,
    status: 'pending',
    started_at: null,
    finished_at: null,
    depends_on: [],
    reason: null,
    reused_from: null,
    stages: [{ id: `s-${name}`, name: 'stage', position: 0, status: 'pending', started_at: null, finished_at: null, executions }],
    ...over,
  };
}

export function run(pipelines: Pipeline[], over: Partial<WorkflowDetail> = {}): WorkflowDetail {
  return {
    id: 'w',
    project_id: 'project',
    number: 7,
    event: 'push',
    action: null,
    ref: 'refs/heads/main',
    sha: 'abcdef0123456789abcdef0123456789abcdef01',
    commit_message: null,
    commit_author: null,
    branch: 'main',
    tag: null,
    pr_number: null,
    base_sha: null,
    head_repo_full_name: null,
    trusted: true,
    sender: 'octocat',
    changed_paths: null,
    status: 'running',
    status_reason: null,
    runner_handle: null,
    enqueued_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:01.000Z',
    finished_at: null,
    rerun_of: null,
    requested_by: null,
    approved_by: null,
    cancelled_by: null,
    inputs: null,
    schedule: null,
    scheduled_for: null,
    pipelines,
    ...over,
  };
}
