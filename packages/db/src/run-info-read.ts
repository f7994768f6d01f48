/**
 * What GET /agent/v1/run answers from, read in one query on the driver's pool: the agent waits for this answer before
 * its checkout can start (a push's reaction time), where Prisma's `include` costs a prepared statement per table (the
 * workflow, its project, the project's owner) after the run token's own status query. The columns are those of
 * prisma/schema.prisma; test/db/run-info-read.test.ts compares every field with what Prisma reads.
 */
import { driverPool, type Db } from './client.js';
import type { Project, Workflow } from './generated/prisma/client.js';

/** The workflow's fields a run's agent is told of, and its status (is the run still live?). */
export type RunInfoWorkflow = Pick<
  Workflow,
  | 'id' | 'projectId' | 'number' | 'event' | 'action' | 'ref' | 'sha' | 'branch' | 'tag' | 'prNumber' | 'baseSha' | 'headRepoFullName' | 'trusted'
  | 'repositoryPrivate' | 'changedPaths' | 'commitMessage' | 'commitAuthor' | 'schedule' | 'status' | 'reusedPipelines' | 'inputs'
>;

/** The project's fields, and its owner's name. */
export type RunInfoProject = Pick<Project, 'id' | 'name' | 'url' | 'githubFullName' | 'installationId' | 'forkSecretPipelines' | 'logCapBytes'> & {
  owner: { name: string };
};

export type RunInfoRecord = RunInfoWorkflow & { project: RunInfoProject };

const SELECT = `SELECT w.id, w.project_id, w.number, w.event, w.action, w.ref, w.sha, w.branch, w.tag, w.pr_number, w.base_sha,
  w.head_repo_full_name, w.trusted, w.repository_private, w.changed_paths, w.commit_message, w.commit_author, w.schedule, w.status,
  w.reused_pipelines, w.inputs, p.name AS project_name, p.url AS project_url, p.github_full_name, p.installation_id,
  p.fork_secret_pipelines, p.log_cap_bytes, o.name AS owner_name
FROM workflows w JOIN projects p ON p.id = w.project_id JOIN owners o ON o.id = p.owner_id WHERE w.id = ?`;

/** A JSON column as the driver gives it: parsed already (a JSON type it knows), or its text. */
function json(value: unknown): Workflow['inputs'] {
  return typeof value === 'string' ? (JSON.parse(value) as Workflow['inputs']) : (value as Workflow['inputs']);
}

const int = (value: unknown): number | null => (value === null ? null : Number(value));
const bool = (value: unknown): boolean | null => (value === null ? null : Boolean(Number(value)));

/** The workflow `workflowId` with its project and owner (RunInfoRecord), or null when there is no such workflow. */
export async function readRunInfoRecord(db: Db, workflowId: string): Promise<RunInfoRecord | null> {
  const rows = (await driverPool(db).query(SELECT, [workflowId])) as Record<string, unknown>[];
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id as string,
    projectId: r.project_id as string,
    number: int(r.number) as number,
    event: r.event as string,
    action: r.action as string | null,
    ref: r.ref as string,
    sha: r.sha as string,
    branch: r.branch as string | null,
    tag: r.tag as string | null,
    prNumber: int(r.pr_number),
    baseSha: r.base_sha as string | null,
    headRepoFullName: r.head_repo_full_name as string | null,
    trusted: bool(r.trusted) as boolean,
    repositoryPrivate: bool(r.repository_private),
    changedPaths: json(r.changed_paths),
    commitMessage: r.commit_message as string | null,
    commitAuthor: r.commit_author as string | null,
    schedule: r.schedule as string | null,
    status: r.status as Workflow['status'],
    reusedPipelines: json(r.reused_pipelines),
    inputs: json(r.inputs),
    project: {
      id: r.project_id as string,
      name: r.project_name as string,
      url: r.project_url as string,
      githubFullName: r.github_full_name as string | null,
      installationId: r.installation_id === null ? null : BigInt(r.installation_id as bigint | number | string),
      forkSecretPipelines: json(r.fork_secret_pipelines),
      logCapBytes: int(r.log_cap_bytes),
      owner: { name: r.owner_name as string },
    },
  };
}
