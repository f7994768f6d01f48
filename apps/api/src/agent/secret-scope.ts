/**
 * Which run secrets a run may use: pure decisions over what the database holds (tested as data in
 * secret-scope.test.ts). GET /agent/v1/run says which pipelines may receive secrets (`forkSecretPipelines`);
 * GET /agent/v1/secrets answers the values of secretNamesForRun's names only.
 */
import { pipelineMayReceiveSecrets } from '@factoryci/agent-protocol';

/**
 * The pipelines of a run that may receive secrets: null = every pipeline (a trusted run); for an untrusted run (a pull
 * request from a fork) only the project's `fork_secret_pipelines` (none when the project lists none).
 */
export function secretPipelines(trusted: boolean, projectForkSecretPipelines: readonly string[]): string[] | null {
  return trusted ? null : [...projectForkSecretPipelines];
}

/** An execution of the recorded plan: its pipeline and the secret names it declares. */
export interface DeclaringExecution {
  pipeline: string;
  secrets: readonly string[];
}

/**
 * The secret names a run may fetch: those declared by executions of its recorded plan whose pipeline may receive
 * secrets (secretPipelines; a listed pipeline's matrix copies too: pipelineMayReceiveSecrets), each once, sorted. Nothing a plan does not declare, nothing for any other pipeline.
 */
export function secretNamesForRun(pipelines: readonly string[] | null, executions: readonly DeclaringExecution[]): string[] {
  const names = new Set<string>();
  for (const execution of executions) {
    if (!pipelineMayReceiveSecrets(pipelines, execution.pipeline)) continue;
    for (const name of execution.secrets) names.add(name);
  }
  return [...names].sort();
}

/**
 * Whether a run's clone gets a token at all: not for an untrusted run of a repository the webhook said is public
 * (its code can be fetched without one, and the pull request's code must not hold a credential it does not need).
 * Unknown visibility (null) counts as private.
 */
export function cloneTokenWanted(run: { trusted: boolean; repositoryPrivate: boolean | null }): boolean {
  return run.trusted || run.repositoryPrivate !== false;
}
