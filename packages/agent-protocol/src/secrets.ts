import type { FromSchema } from 'json-schema-to-ts';

/**
 * `GET /agent/v1/secrets`'s answer: the values of the run secrets the run may use, by name — only names that the
 * recorded plan's executions declare, and only for executions of pipelines that may receive secrets (a trusted run:
 * every pipeline; an untrusted run: the project's `fork_secret_pipelines`, `forkSecretPipelines` of the run info).
 * A declared name the project has no secret for is simply absent. The agent gives each execution only the names it
 * declares, and only where the run info's `forkSecretPipelines` allows it.
 */
export const runSecretsSchema = {
  type: 'object',
  properties: {
    secrets: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['secrets'],
  additionalProperties: false,
} as const;

export type RunSecrets = FromSchema<typeof runSecretsSchema>;

/**
 * Whether executions of `pipeline` may receive the run's secrets, given the pipelines that may (`null`: every one, a
 * trusted run; else the project's `fork_secret_pipelines`). A listed name covers the pipeline of that name and every
 * matrix copy of it (`test` covers `test (node=18)`; a `.factory` name has no space, so only a copy's name has ` (`);
 * a copy's full name covers that copy alone. One decision for the API (which names it gives) and the agent (which
 * executions get them).
 */
export function pipelineMayReceiveSecrets(allowed: readonly string[] | null, pipeline: string): boolean {
  if (allowed === null) return true;
  const copyOf = pipeline.indexOf(' (');
  return allowed.includes(pipeline) || (copyOf > 0 && allowed.includes(pipeline.slice(0, copyOf)));
}
