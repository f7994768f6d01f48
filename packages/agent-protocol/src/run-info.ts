import { EVENT_NAMES } from '@factoryci/run-state';
import type { FromSchema } from 'json-schema-to-ts';
import { inputsSchema } from './inputs.js';
import { commitSchema, nameSchema, nullable } from './keywords.js';
import { MAX_LOG_CAP_BYTES, MIN_LOG_CAP_BYTES } from './log-cap.js';

/**
 * `GET /agent/v1/run`'s answer: everything the agent of one run needs to check out and plan; no secret values (those
 * come from GET /agent/v1/secrets once the plan is recorded, see secrets.ts). The API serialises its answer through this
 * schema (nothing unlisted leaves it); the agent validates what it received with it (validateRunInfo in validate.ts),
 * dropping properties it does not know, so an older agent still runs against a newer API.
 */
export const runInfoSchema = {
  type: 'object',
  properties: {
    workflow: {
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1 },
        projectId: { type: 'string' },
        number: { type: 'integer' },
        event: { type: 'string', enum: EVENT_NAMES },
        action: nullable('string'),
        ref: { type: 'string' },
        sha: commitSchema,
        branch: nullable('string'),
        tag: nullable('string'),
        prNumber: nullable('integer'),
        baseSha: nullable('string'),
        headRepoFullName: nullable('string'),
        trusted: { type: 'boolean' },
        changedPaths: nullable('array', { items: { type: 'string' } }),
        commitMessage: nullable('string', { description: "a push's head commit message, a pull request's title; null when unknown" }),
        commitAuthor: nullable('string', { description: "the head commit's author (GitHub username, else name), a pull request's author; null when unknown" }),
        schedule: nullable('string', { description: 'the `schedule` block that started a run of event schedule (its re-runs too); null (or absent from an older API) otherwise' }),
      },
      required: ['id', 'projectId', 'number', 'event', 'action', 'ref', 'sha', 'branch', 'tag', 'prNumber', 'baseSha', 'headRepoFullName', 'trusted', 'changedPaths', 'commitMessage', 'commitAuthor'],
      additionalProperties: false,
    },
    project: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        owner: { type: 'string' },
        name: { type: 'string' },
        repository: nullable('string', { description: 'the GitHub repository ("owner/name") the project follows; null for another host or a local one' }),
      },
      required: ['id', 'owner', 'name', 'repository'],
      additionalProperties: false,
    },
    configSha: { ...commitSchema, description: 'the commit to read .factory/ from: baseSha for untrusted pull requests, else sha' },
    clone: {
      type: 'object',
      properties: {
        url: { type: 'string', minLength: 1 },
        token: nullable('string', { description: 'GitHub installation token (contents: read, this repository only); use as the password of user x-access-token' }),
        tokenExpiresAt: nullable('string'),
      },
      required: ['url', 'token', 'tokenExpiresAt'],
      additionalProperties: false,
    },
    forkSecretPipelines: nullable('array', {
      items: { type: 'string' },
      description:
        'null: any pipeline may get the secrets it declares (trusted run); a list: only these pipelines (untrusted run). The values come from GET /agent/v1/secrets',
    }),
    logCapBytes: {
      type: 'integer',
      minimum: MIN_LOG_CAP_BYTES,
      maximum: MAX_LOG_CAP_BYTES,
      description: "the most bytes (UTF-8) of one execution's log the API stores; past it the agent sends one truncation marker (log-cap.ts)",
    },
    reusedPipelines: {
      type: 'array',
      items: nameSchema,
      description:
        'a re-run of the failed pipelines: the pipelines not to run, reused from the workflow re-run (they count as succeeded for depends_on); [] otherwise',
    },
    inputs: { ...inputsSchema, description: "a manual trigger's inputs, given to every execution as INPUT_<NAME>; {} otherwise" },
  },
  required: ['workflow', 'project', 'configSha', 'clone', 'forkSecretPipelines', 'logCapBytes', 'reusedPipelines', 'inputs'],
  additionalProperties: false,
} as const;

export type RunInfo = FromSchema<typeof runInfoSchema>;
