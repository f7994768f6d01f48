/** The parts of the API's JSON answers factoryctl reads (the API's schemas: apps/api/src/schemas.ts and routes). */

export interface Project {
  id: string;
  owner: { id: string; name: string };
  project: string;
  url: string;
  default_branch: string;
  created_at: string;
}

export interface Workflow {
  id: string;
  project_id: string;
  number: number;
  event: string;
  ref: string;
  sha: string;
  branch?: string | null;
  tag?: string | null;
  pr_number?: number | null;
  status: string;
  status_reason?: string | null;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  rerun_of?: string | null;
}

export interface Step {
  id: string;
  name: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ExecutionNode extends Step {
  command: string;
  exit_code: number | null;
  reason: string | null;
  /** It failed and `allow_failure = true` let its stage go on (absent from older servers). */
  allowed_failure?: boolean;
  /** The attempts that failed and were tried again (`retry`), in order; absent from older servers. */
  attempts?: { attempt: number; status: string; exit_code: number | null }[];
}

export interface StageNode extends Step {
  executions: ExecutionNode[];
}

export interface PipelineNode extends Step {
  depends_on: string[];
  reason: string | null;
  stages: StageNode[];
}

export interface WorkflowTree extends Workflow {
  pipelines: PipelineNode[];
}

export interface Secret {
  name: string;
  created_at: string;
  updated_at: string;
}

/** GET /me */
export interface Me {
  kind: 'admin' | 'user';
  via: 'admin_token' | 'token' | 'session';
  user: null | { id: string; login: string; name: string | null; admin: boolean };
}

/** GET /user/tokens entries */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** POST /user/tokens answer: the token is shown this once */
export interface CreatedToken {
  id: string;
  name: string;
  prefix: string;
  token: string;
  created_at: string;
  expires_at: string | null;
}

/** GET /project/schedules */
export interface Schedules {
  default_branch: string;
  source: { workflow_id: string; number: number; sha: string; updated_at: string } | null;
  schedules: {
    name: string;
    cron: string;
    timezone: string;
    branch: string | null;
    next_due_at: string | null;
    last_due_at: string | null;
    last_run: { id: string; number: number; status: string } | null;
    last_error: string | null;
  }[];
}
