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
