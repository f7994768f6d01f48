import type { Db } from '../db.js';
import type { GithubAppClient } from '../github/github-app.js';
import { hasCheckRuns } from './has-check-runs.js';
import type { Logger } from '../logger.js';
import { checkRunBody } from './summary.js';

export interface CheckRunSyncDeps {
  db: Db;
  /** null when the GitHub App is not configured: there are no check runs. */
  github: GithubAppClient | null;
  logger: Logger;
  /** PUBLIC_URL: every check run links to the run's page (details_url); null: no link. */
  publicUrl: string | null;
}

export type CheckRunSyncResult = 'created' | 'updated' | 'skipped';

/**
 * The processor of the "check-runs" queue: brings the check run of a workflow up to the workflow's CURRENT state in
 * the database (creating it the first time and storing its id). Skipped for workflows of projects that are not on
 * GitHub or have no installation, and when the App is not configured. GitHub errors are thrown (GithubRequestError):
 * the queue retries. The caller makes sure one workflow is synced by one caller at a time.
 */
export async function syncCheckRun(deps: CheckRunSyncDeps, workflowId: string): Promise<CheckRunSyncResult> {
  const workflow = await deps.db.workflow.findUnique({
    where: { id: workflowId },
    include: {
      project: { select: { githubFullName: true, installationId: true } },
      pipelines: {
        orderBy: { position: 'asc' },
        include: { stages: { orderBy: { position: 'asc' }, include: { executions: { orderBy: { position: 'asc' } } } } },
      },
    },
  });
  if (!workflow || !deps.github || !hasCheckRuns(workflow.project, true)) return 'skipped';
  const fullName = workflow.project.githubFullName as string;
  const installationId = workflow.project.installationId as bigint;

  const body = checkRunBody(workflow, deps.publicUrl);
  const log = deps.logger.child({ workflowId, repository: fullName });
  if (workflow.checkRunId === null) {
    const id = await deps.github.createCheckRun(Number(installationId), fullName, {
      name: `FactoryCI (${workflow.event})`,
      head_sha: workflow.sha,
      external_id: workflow.id,
      ...body,
    });
    await deps.db.workflow.updateMany({ where: { id: workflowId, checkRunId: null }, data: { checkRunId: BigInt(id) } });
    log.info({ checkRunId: id, status: body.status, conclusion: body.conclusion }, 'check run created');
    return 'created';
  }
  await deps.github.updateCheckRun(Number(installationId), fullName, Number(workflow.checkRunId), body);
  log.debug({ checkRunId: Number(workflow.checkRunId), status: body.status, conclusion: body.conclusion }, 'check run updated');
  return 'updated';
}
