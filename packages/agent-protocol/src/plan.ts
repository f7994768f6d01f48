import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema, nullable, secretNameSchema } from './keywords.js';
import { MAX_COMMAND_CHARS, MAX_EXECUTION_SECRETS, MAX_PLAN_PIPELINES, MAX_PLAN_SCHEDULES, MAX_SKIP_MESSAGE_CHARS, MAX_SKIP_REASON_CHARS, NAME_PATTERN } from './limits.js';

const position = { type: 'integer', minimum: 0 } as const;

/**
 * A planned execution. `secrets`: the names of the run secrets it declares (`.factory`'s `secrets = [...]`), default
 * `[]`. The API records them with the plan and later gives the run (GET /agent/v1/secrets) only secrets declared
 * here, by executions of pipelines that may receive secrets.
 */
export const planExecutionSchema = {
  type: 'object',
  properties: {
    name: nameSchema,
    position,
    command: { type: 'string', maxLength: MAX_COMMAND_CHARS },
    secrets: { type: 'array', items: secretNameSchema, maxItems: MAX_EXECUTION_SECRETS, uniqueItems: true, default: [] },
    allowFailure: { type: 'boolean', default: false, description: '`allow_failure = true`: its failure does not fail its stage' },
  },
  required: ['name', 'position', 'command'],
  additionalProperties: false,
} as const;

export const planStageSchema = {
  type: 'object',
  properties: { name: nameSchema, position, executions: { type: 'array', items: planExecutionSchema } },
  required: ['name', 'position', 'executions'],
  additionalProperties: false,
} as const;

export const planPipelineSchema = {
  type: 'object',
  properties: { name: nameSchema, position, dependsOn: { type: 'array', items: nameSchema }, stages: { type: 'array', items: planStageSchema } },
  required: ['name', 'position', 'dependsOn', 'stages'],
  additionalProperties: false,
} as const;

/** A pipeline the plan does not run, and why (`reason` a code such as "events", `message` for people). */
export const skippedPipelineSchema = {
  type: 'object',
  properties: {
    name: nameSchema,
    reason: { type: 'string', maxLength: MAX_SKIP_REASON_CHARS },
    message: { type: 'string', maxLength: MAX_SKIP_MESSAGE_CHARS },
  },
  required: ['name', 'reason', 'message'],
  additionalProperties: false,
} as const;

/**
 * A pipeline of the plan that a re-run of the failed pipelines does not run (GET /agent/v1/run's `reusedPipelines`):
 * where it stands in the plan; the API records it `reused`, linked to the pipeline it stands for.
 */
export const reusedPipelineSchema = {
  type: 'object',
  properties: { name: nameSchema, position, dependsOn: { type: 'array', items: nameSchema } },
  required: ['name', 'position', 'dependsOn'],
  additionalProperties: false,
} as const;

/**
 * A `schedule` block of the run's configuration as read (cron fields separated by one space; `branch` null: the
 * project's default branch). The API keeps a configuration's schedules only from a push to the default branch.
 */
export const planScheduleSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    cron: { type: 'string', minLength: 1, maxLength: 200 },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    branch: nullable('string', { minLength: 1, maxLength: 244 }),
  },
  required: ['name', 'cron', 'timezone', 'branch'],
  additionalProperties: false,
} as const;

/**
 * `PUT /agent/v1/plan`'s body: the plan tree before anything runs. `skipped` and `reused` default to `[]` (the API
 * fills them in).
 */
export const planBodySchema = {
  type: 'object',
  properties: {
    pipelines: { type: 'array', maxItems: MAX_PLAN_PIPELINES, items: planPipelineSchema },
    skipped: { type: 'array', default: [], items: skippedPipelineSchema },
    reused: { type: 'array', default: [], maxItems: MAX_PLAN_PIPELINES, items: reusedPipelineSchema },
    cancelSuperseded: {
      type: 'boolean',
      default: false,
      description: "the configuration's `workflow { cancel_superseded = true }`: this run cancels the older unended runs of its branch (pull request)",
    },
    schedules: {
      type: 'array',
      default: [],
      maxItems: MAX_PLAN_SCHEDULES,
      items: planScheduleSchema,
      description: "the configuration's `schedule` blocks, whatever the event: kept by the API from a push to the project's default branch",
    },
  },
  required: ['pipelines'],
  additionalProperties: false,
} as const;

export type PlanExecution = FromSchema<typeof planExecutionSchema>;
export type PlanStage = FromSchema<typeof planStageSchema>;
export type PlanPipeline = FromSchema<typeof planPipelineSchema>;
export type SkippedPipeline = FromSchema<typeof skippedPipelineSchema>;
export type ReusedPipeline = FromSchema<typeof reusedPipelineSchema>;
export type PlanSchedule = FromSchema<typeof planScheduleSchema>;
/** The plan body as the API's handler sees it (and as the agent sends it): `skipped` and `reused` are always there. */
export type PlanBody = FromSchema<typeof planBodySchema>;
