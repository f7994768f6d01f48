import type { RunSecrets } from '@factoryci/agent-protocol';
import type { AppDeps } from '../app.js';
import { NotFoundError } from '../errors.js';
import { declaredSecrets } from './plan.js';
import { strings } from './run-info.js';
import { secretNamesForRun, secretPipelines } from './secret-scope.js';

export interface RunSecretsOutcome {
  answer: RunSecrets;
  /** The names given (for the log; never the values). */
  given: string[];
  /** Names the run may use that the project has no secret for (for the log). */
  unset: string[];
}

/**
 * GET /agent/v1/secrets: the values of the secrets the run may use — the names its recorded plan's executions
 * declare in pipelines that may receive secrets (secretNamesForRun), decrypted; nothing else of the project's. Before
 * the plan is recorded (or when nothing allowed declares a secret) the answer is empty. Three queries; only the
 * rows of the names given are read and decrypted.
 */
export async function runSecrets(deps: Pick<AppDeps, 'db' | 'secrets'>, workflowId: string): Promise<RunSecretsOutcome> {
  const workflow = await deps.db.workflow.findUnique({
    where: { id: workflowId },
    select: { trusted: true, projectId: true, project: { select: { forkSecretPipelines: true } } },
  });
  if (!workflow) throw new NotFoundError(`no workflow ${workflowId}`);
  const executions = await deps.db.execution.findMany({
    where: { stage: { pipeline: { workflowId } } },
    select: { secrets: true, stage: { select: { pipeline: { select: { name: true } } } } },
  });
  const pipelines = secretPipelines(workflow.trusted, strings(workflow.project.forkSecretPipelines));
  const names = secretNamesForRun(
    pipelines,
    executions.map((e) => ({ pipeline: e.stage.pipeline.name, secrets: declaredSecrets(e.secrets) })),
  );
  if (names.length === 0) return { answer: { secrets: {} }, given: [], unset: [] };
  const rows = await deps.db.projectSecret.findMany({
    where: { projectId: workflow.projectId, name: { in: names } },
    select: { name: true, valueEncrypted: true },
    orderBy: { name: 'asc' },
  });
  const secrets = Object.fromEntries(rows.map((row) => [row.name, deps.secrets.decrypt(row.valueEncrypted)]));
  return { answer: { secrets }, given: rows.map((row) => row.name), unset: names.filter((name) => !(name in secrets)) };
}
