/**
 * The first read of every job: the workflow it names, with what of its project a run is started from, in one query
 * (a join) on the driver's pool — Prisma's `include` is two queries, one after the other, on the path from a push to
 * its agent.
 */
import { driverPool, type Db } from '@factoryci/db';
import type { WorkflowStatus } from '@factoryci/run-state';
import type { WorkflowToRun } from './attach.js';

/** A workflow as processing finds it. */
export interface FoundWorkflow extends WorkflowToRun {
  status: WorkflowStatus;
  projectId: string;
  number: number;
}

const READ =
  'SELECT w.`status`, w.`project_id`, w.`number`, w.`runner_handle`, w.`trusted`, w.`sha`, w.`base_sha`, ' +
  'p.`url`, p.`github_full_name`, p.`installation_id`, p.`max_cpu`, p.`max_memory` ' +
  'FROM `workflows` w JOIN `projects` p ON p.`id` = w.`project_id` WHERE w.`id` = ?';

interface Row {
  status: string;
  project_id: string;
  number: number | bigint;
  runner_handle: string | null;
  trusted: number | boolean;
  sha: string;
  base_sha: string | null;
  url: string;
  github_full_name: string | null;
  installation_id: bigint | number | null;
  max_cpu: string;
  max_memory: string;
}

/** The workflow `workflowId` and its project; undefined when there is no such workflow. */
export async function readWorkflowToRun(db: Db, workflowId: string): Promise<FoundWorkflow | undefined> {
  const [row] = (await driverPool(db).query(READ, [workflowId])) as Row[];
  if (!row) return undefined;
  return {
    status: row.status as WorkflowStatus,
    projectId: row.project_id,
    number: Number(row.number),
    runnerHandle: row.runner_handle,
    trusted: Boolean(row.trusted),
    sha: row.sha,
    baseSha: row.base_sha,
    project: {
      id: row.project_id,
      url: row.url,
      githubFullName: row.github_full_name,
      installationId: row.installation_id,
      maxCpu: row.max_cpu,
      maxMemory: row.max_memory,
    },
  };
}
