/**
 * JSON schemas of the REST API: request bodies and queries are validated with them (400 on mismatch) and responses
 * are serialised through them (so nothing unlisted — like a stored secret — can leak). They also make /docs/json.
 */
import { errorAnswerSchema, inputsSchema, MAX_LOG_CAP_BYTES, MIN_LOG_CAP_BYTES, NAME_PATTERN } from '@factoryci/agent-protocol';
import { EVENT_NAMES, runAttemptSchema, runNodeStatusSchema, WORKFLOW_STATUSES } from '@factoryci/run-state';
import { PROJECT_ACTIONS, PROJECT_ROLES } from './auth/permissions.js';

/** `type` or null; `extra` adds keywords (format, items, description). Literal types survive, for FromSchema. */
const nullable = <T extends 'string' | 'integer' | 'array', const E extends object = object>(type: T, extra?: E) =>
  ({ type: [type, 'null'], ...extra }) as { readonly type: readonly [T, 'null'] } & E;
const timestamp = { type: 'string', format: 'date-time' } as const;

/** Names of owners and projects: what GitHub allows for accounts and repositories (also the agent protocol's names). */
export { NAME_PATTERN };

/** Every error answer, the agent routes' and the REST routes' alike (one declaration, in the protocol package). */
export const errorSchema = { $id: 'Error', ...errorAnswerSchema } as const;

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  500: { $ref: 'Error#' },
  503: { $ref: 'Error#' },
} as const;

/**
 * An id (the `@db.Char(36)` UUIDs of prisma/schema.prisma): exactly 36 characters. Not `format: 'uuid'`, which also
 * accepts the 45-character `urn:uuid:` spelling, longer than the column.
 */
export const UUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
export const uuidProperty = <const E extends object = object>(extra?: E) =>
  ({ type: 'string', pattern: UUID_PATTERN, ...extra }) as { readonly type: 'string'; readonly pattern: typeof UUID_PATTERN } & E;

/** The largest `offset` of a list, and of any integer a query carries into a 32-bit column (limit is smaller). */
export const MAX_INT32 = 2_147_483_647;

export const idQuery = {
  type: 'object',
  properties: { id: uuidProperty() },
  required: ['id'],
  additionalProperties: false,
} as const;

export const rerunQuery = {
  type: 'object',
  properties: {
    id: uuidProperty(),
    failed: { type: 'boolean', default: false, description: 're-run only the pipelines that did not succeed (and those depending on them); the others are reused' },
  },
  required: ['id'],
  additionalProperties: false,
} as const;

/**
 * A branch name as git allows it (git check-ref-format --branch): no space, control character or any of ~^:?*[\,
 * no "..", "//", "@{" or a component starting with "."; not starting with "-", "/" or ".", not ending with "/", "."
 * or ".lock".
 */
export const BRANCH_PATTERN = '^(?![-/.])(?!.*(?:\\.\\.|//|@\\{|/\\.|\\.lock(?:/|$)))[^\\u0000-\\u0020\\u007f~^:?*\\[\\\\]+(?<![/.])$';

/** POST /workflow/trigger's body. */
export const triggerBody = {
  type: 'object',
  properties: {
    project_id: uuidProperty(),
    branch: {
      type: 'string',
      minLength: 1,
      // refs/heads/<branch> fits the 255 characters of workflows.ref
      maxLength: 244,
      pattern: BRANCH_PATTERN,
      description: "the branch to run on; default: the project's default_branch",
    },
    sha: { type: 'string', pattern: '^[0-9a-fA-F]{40}$', description: "the commit to run; default: the branch's head" },
    inputs: {
      ...inputsSchema,
      description: 'at most 20, names ^[A-Z_][A-Z0-9_]*$ (at most 64 characters), values strings of at most 4 KiB; each execution gets INPUT_<NAME>',
    },
  },
  required: ['project_id'],
  additionalProperties: false,
} as const;

export const ownerSchema = {
  $id: 'Owner',
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    github_login: nullable('string'),
    github_id: nullable('integer'),
    github_type: nullable('string'),
    created_at: timestamp,
    updated_at: timestamp,
  },
  required: ['id', 'name', 'github_login', 'github_id', 'github_type', 'created_at', 'updated_at'],
} as const;

export const ownerBody = {
  type: 'object',
  properties: { name: { type: 'string', pattern: NAME_PATTERN } },
  required: ['name'],
  additionalProperties: false,
} as const;

const forkPolicy = {
  type: 'string',
  enum: ['disabled', 'no_secrets', 'approval'],
  description:
    'pull requests from forks: disabled = do not run; no_secrets = run with .factory/ from the base commit and without secrets; approval = as no_secrets after a maintainer approves',
} as const;

/** Settings a project may be created or updated with (besides name and URL). */
const projectSettings = {
  default_branch: { type: 'string', minLength: 1, maxLength: 255 },
  fork_policy: forkPolicy,
  fork_secret_pipelines: {
    type: 'array',
    items: { type: 'string', pattern: NAME_PATTERN },
    maxItems: 100,
    description: 'pipelines whose secrets untrusted pull requests may receive',
  },
  max_cpu: { type: 'string', maxLength: 20, pattern: '^[0-9]+(\\.[0-9]+)?m?$', description: 'Kubernetes CPU quantity, e.g. "2" or "500m"' },
  max_memory: { type: 'string', maxLength: 20, pattern: '^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$', description: 'Kubernetes memory quantity, e.g. "4Gi"' },
  max_concurrent_runs: { type: 'integer', minimum: 1, maximum: 1000 },
  cancel_superseded: {
    type: 'boolean',
    description: "a newer push to a branch (a new commit of a pull request) cancels that branch's (pull request's) older queued and running workflows",
  },
  log_cap_bytes: {
    type: ['integer', 'null'],
    minimum: MIN_LOG_CAP_BYTES,
    maximum: MAX_LOG_CAP_BYTES,
    description: "the most bytes of one execution's log that are stored (past it: a truncation marker); null: the server's FACTORY_LOG_CAP_BYTES",
  },
} as const;

const urlProperty = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  pattern: '^(https?://|ssh://|git@|file://|/)',
  description: 'the repository to clone, e.g. https://github.com/acme/widgets, or file:///srv/git/widgets (or an absolute path) on the runner\'s machine',
} as const;

const webhookSecretProperty = {
  type: 'string',
  minLength: 16,
  maxLength: 255,
  description: 'the repository webhook\'s secret; generated (and returned once) when not given',
} as const;

export const projectCreateBody = {
  type: 'object',
  properties: {
    owner: { type: 'string', pattern: NAME_PATTERN, description: 'owner name; created when it does not exist' },
    project: { type: 'string', pattern: NAME_PATTERN },
    url: urlProperty,
    webhook_secret: webhookSecretProperty,
    ...projectSettings,
  },
  required: ['owner', 'project', 'url'],
  additionalProperties: false,
} as const;

export const projectUpdateBody = {
  type: 'object',
  properties: {
    project: { type: 'string', pattern: NAME_PATTERN },
    url: urlProperty,
    webhook_secret: webhookSecretProperty,
    ...projectSettings,
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const projectSchema = {
  $id: 'Project',
  type: 'object',
  properties: {
    id: { type: 'string' },
    owner: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } }, required: ['id', 'name'] },
    project: { type: 'string' },
    url: { type: 'string' },
    github_full_name: nullable('string', { description: '"owner/repo" derived from the URL; how webhooks find the project' }),
    github_repo_id: nullable('integer'),
    installation_id: nullable('integer', { description: 'the GitHub App installation that can access the repository' }),
    github_hook_id: nullable('integer', { description: 'the repository webhook FactoryCI created, if it did' }),
    default_branch: { type: 'string' },
    fork_policy: forkPolicy,
    fork_secret_pipelines: { type: 'array', items: { type: 'string' } },
    max_cpu: { type: 'string' },
    max_memory: { type: 'string' },
    max_concurrent_runs: { type: 'integer' },
    cancel_superseded: { type: 'boolean' },
    log_cap_bytes: { type: ['integer', 'null'] },
    created_at: timestamp,
    updated_at: timestamp,
  },
  required: ['id', 'owner', 'project', 'url', 'github_full_name', 'installation_id', 'github_hook_id', 'default_branch', 'fork_policy', 'created_at', 'updated_at'],
} as const;

export const webhookSetupSchema = {
  type: 'object',
  description: 'how GitHub reaches this project: a webhook FactoryCI created, or one to add by hand',
  properties: {
    status: { type: 'string', enum: ['created', 'manual'] },
    url: nullable('string', { description: 'the payload URL (PUBLIC_URL + /hooks/github/<project id>); null when PUBLIC_URL is not set' }),
    content_type: { type: 'string', enum: ['json'] },
    events: { type: 'array', items: { type: 'string' } },
    hook_id: nullable('integer'),
    message: { type: 'string' },
  },
  required: ['status', 'url', 'content_type', 'events', 'hook_id', 'message'],
} as const;

/** GET /project/webhook: the webhook's set-up as it is now, and the last delivery that started a run. */
export const projectWebhookSchema = {
  type: 'object',
  properties: {
    ...webhookSetupSchema.properties,
    message: { type: 'string', description: 'created: on which repository; manual: why FactoryCI did not add it' },
    last_delivery: {
      type: ['object', 'null'],
      description: 'the newest run a webhook delivery started (not a re-run or manual trigger); null: none yet',
      properties: {
        received_at: timestamp,
        event: { type: 'string', enum: EVENT_NAMES },
        workflow_id: { type: 'string' },
        number: { type: 'integer' },
      },
      required: ['received_at', 'event', 'workflow_id', 'number'],
    },
  },
  required: [...webhookSetupSchema.required, 'last_delivery'],
} as const;

/** The answer of POST /project: the project, its secret (the only time it is shown) and the webhook set-up. */
export const projectCreatedSchema = {
  type: 'object',
  properties: {
    ...projectSchema.properties,
    webhook_secret: { type: 'string', description: 'shown once, on creation only' },
    webhook: webhookSetupSchema,
  },
  required: [...projectSchema.required, 'webhook_secret', 'webhook'],
} as const;

/** GET /project/permissions: the caller's role on a project and the actions it allows (auth/permissions.ts). */
export const projectPermissionsSchema = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: PROJECT_ROLES },
    actions: {
      type: 'array',
      items: { type: 'string', enum: PROJECT_ACTIONS },
    },
  },
  required: ['role', 'actions'],
} as const;

/** The answer of PUT /project: the project, and what happened to the GitHub webhook when the secret changed. */
export const projectUpdatedSchema = {
  type: 'object',
  properties: {
    ...projectSchema.properties,
    webhook: {
      type: 'object',
      description: 'present when the secret changed and FactoryCI manages the repository webhook',
      properties: { status: { type: 'string', enum: ['updated', 'manual'] }, message: { type: 'string' } },
      required: ['status', 'message'],
    },
  },
  required: projectSchema.required,
} as const;

/** Every property of a schema's `properties`: what the answers always hold (null when not set). */
const keysOf = <T extends object>(properties: T) => Object.keys(properties) as (keyof T & string)[];

const stepBase = {
  id: { type: 'string' },
  name: { type: 'string' },
  position: { type: 'integer' },
  status: { type: 'string' },
  started_at: nullable('string', { format: 'date-time' }),
  finished_at: nullable('string', { format: 'date-time' }),
} as const;


const executionProperties = {
  ...stepBase,
  command: { type: 'string' },
  exit_code: nullable('integer'),
  reason: nullable('string'),
  allow_failure: { type: 'boolean', description: '`allow_failure = true`: a failure does not fail its stage' },
  allowed_failure: { type: 'boolean', description: 'it failed (or could not start) and its failure is allowed' },
  attempts: {
    type: 'array',
    description: 'the attempts that failed and were tried again, in order (empty: it ran once)',
    items: runAttemptSchema,
  },
} as const;

const stageProperties = {
  ...stepBase,
  executions: { type: 'array', items: { type: 'object', properties: executionProperties, required: keysOf(executionProperties) } },
} as const;

const pipelineProperties = {
  ...stepBase,
  depends_on: { type: 'array', items: { type: 'string' } },
  reason: nullable('string'),
  reused_from: nullable('string', { description: 'a reused pipeline (re-run of the failed pipelines): the pipeline whose success it stands for' }),
  stages: { type: 'array', items: { type: 'object', properties: stageProperties, required: keysOf(stageProperties) } },
} as const;

export const workflowProperties = {
  id: { type: 'string' },
  project_id: { type: 'string' },
  number: { type: 'integer' },
  event: { type: 'string', enum: EVENT_NAMES },
  action: nullable('string'),
  ref: { type: 'string' },
  sha: { type: 'string' },
  branch: nullable('string'),
  tag: nullable('string'),
  pr_number: nullable('integer'),
  base_sha: nullable('string'),
  head_repo_full_name: nullable('string'),
  trusted: { type: 'boolean' },
  sender: nullable('string'),
  commit_message: nullable('string', { description: "the commit's message (a push's head commit; a pull request's title), at most 1,000 characters; copied by re-runs; null when unknown" }),
  commit_author: nullable('string', { description: "who wrote it (the head commit author's GitHub username, else name; the pull request's author); null when unknown" }),
  changed_paths: nullable('array', { items: { type: 'string' } }),
  status: {
    type: 'string',
    enum: WORKFLOW_STATUSES,
  },
  status_reason: nullable('string'),
  runner_handle: nullable('string'),
  enqueued_at: nullable('string', { format: 'date-time' }),
  created_at: timestamp,
  started_at: nullable('string', { format: 'date-time' }),
  finished_at: nullable('string', { format: 'date-time' }),
  rerun_of: nullable('string', { description: 'the workflow this one re-runs (POST /workflow/rerun), if any' }),
  requested_by: nullable('string', { description: 'who asked for it by hand (a re-run, a manual trigger, GitHub\'s Re-run button): `user:<login>`, `admin` or `github:<login>`; null for a webhook' }),
  approved_by: nullable('string', { description: 'who approved it (an untrusted pull request\'s run), as requested_by' }),
  cancelled_by: nullable('string', { description: 'who cancelled it, as requested_by' }),
  inputs: {
    type: ['object', 'null'],
    additionalProperties: { type: 'string' },
    description: 'a manual trigger\'s inputs (POST /workflow/trigger), given to every execution as INPUT_<NAME>; null otherwise',
  },
  schedule: nullable('string', { description: 'the schedule (`.factory`\'s `schedule "name"`) that started a run of event schedule, also on its re-runs; null otherwise' }),
  scheduled_for: nullable('string', { format: 'date-time', description: 'the due time of its schedule it runs for (one run per due time); null otherwise, and on re-runs' }),
} as const;

export const workflowSchema = {
  $id: 'Workflow',
  type: 'object',
  properties: workflowProperties,
  required: keysOf(workflowProperties),
} as const;

/** A project as GET /projects lists it: with its newest workflow (by number), null before its first. */
export const projectListItemSchema = {
  type: 'object',
  properties: {
    ...projectSchema.properties,
    latest_workflow: { anyOf: [{ $ref: 'Workflow#' }, { type: 'null' }], description: "the project's newest workflow (highest number); null when it has none" },
  },
  required: [...projectSchema.required, 'latest_workflow'],
} as const;

export const workflowTreeSchema = {
  type: 'object',
  properties: {
    ...workflowProperties,
    pipelines: {
      type: 'array',
      items: {
        type: 'object',
        properties: pipelineProperties,
        required: keysOf(pipelineProperties),
      },
    },
  },
  required: [...workflowSchema.required, 'pipelines'],
} as const;

/** A user as GET /me and POST /auth/login show them. */
export const principalUserSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, login: { type: 'string' }, name: nullable('string'), admin: { type: 'boolean' } },
  required: ['id', 'login', 'name', 'admin'],
  additionalProperties: false,
} as const;

/** GET /me: who the request is from (factoryctl relies on this shape). */
export const meSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['admin', 'user'], description: 'admin: the admin token; user: a user (admin or not)' },
    via: { type: 'string', enum: ['admin_token', 'token', 'session'], description: 'the credential: the admin token, a personal access token, the session cookie' },
    user: { anyOf: [{ type: 'null' }, principalUserSchema] },
  },
  required: ['kind', 'via', 'user'],
  additionalProperties: false,
} as const;

/** Logins of users: what GitHub allows for user names. */
export const LOGIN_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,98}[A-Za-z0-9])?$';
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export const userSchema = {
  $id: 'User',
  type: 'object',
  properties: {
    ...principalUserSchema.properties,
    github_login: nullable('string'),
    has_password: { type: 'boolean', description: 'a local user (signs in with POST /auth/login)' },
    disabled_at: nullable('string', { format: 'date-time', description: 'set: the user cannot sign in and their tokens do not work' }),
    created_at: timestamp,
    updated_at: timestamp,
  },
  required: ['id', 'login', 'name', 'admin', 'github_login', 'has_password', 'disabled_at', 'created_at', 'updated_at'],
} as const;

/** The query of a list: `limit` and `offset` (defaulted, so always present in the handler) and `extra` properties. */
export const listQuery = <const P extends Record<string, object> = Record<never, never>, const R extends readonly (keyof P & string)[] = []>(
  extra: P = {} as P,
  required: R = [] as unknown as R,
) =>
  ({
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
      offset: { type: 'integer', minimum: 0, maximum: MAX_INT32, default: 0 },
      ...extra,
    },
    required,
    additionalProperties: false,
  }) as const;

/** GET /workflows' query: a project's workflows, optionally of one branch, event and status (each checked: 400). */
export const workflowListQuery = listQuery(
  {
    project: uuidProperty(),
    branch: { type: 'string', minLength: 1, maxLength: 255, description: "only this branch's (a pull request's: its base branch)" },
    event: { type: 'string', enum: EVENT_NAMES, description: 'only workflows of this event' },
    status: { type: 'string', enum: WORKFLOW_STATUSES, description: 'only workflows in this status' },
  },
  ['project'],
);

/** The data of a `status` event of GET /workflow/events (and each node of its `snapshot`), documented in /docs/json: @factoryci/run-state's runNodeStatusSchema. */
export const statusEventSchema = { $id: 'StatusEvent', ...runNodeStatusSchema } as const;

/** The schemas registered with `addSchema`, which routes name by `$ref` ('Error#', 'Owner#', 'Project#', 'Workflow#', 'User#'; 'StatusEvent#' documents the events streams). */
export const sharedSchemas = [errorSchema, ownerSchema, projectSchema, workflowSchema, userSchema, statusEventSchema] as const;

/**
 * json-schema-to-ts options of the routes' type provider: the shared schemas as `references`, so a `$ref` to one has
 * the type of what it names (see routes/route-plugin.ts).
 */
export interface SchemaTypeOptions {
  references: Writable<typeof sharedSchemas>;
}
type Writable<T> = { -readonly [K in keyof T]: T[K] };


/** `?id=<project>` */
export const projectIdQuery = {
  type: 'object',
  properties: { id: uuidProperty({ description: 'the project' }) },
  required: ['id'],
  additionalProperties: false,
} as const;

const scheduleProperties = {
  name: { type: 'string' },
  cron: { type: 'string', description: 'five fields (minute hour day-of-month month day-of-week) or a macro such as @daily' },
  timezone: { type: 'string', description: 'the IANA time zone the cron is read in' },
  branch: nullable('string', { description: "the branch it runs on; null: the project's default branch" }),
  next_due_at: nullable('string', { format: 'date-time', description: 'when it next starts a run; null: never again' }),
  last_due_at: nullable('string', { format: 'date-time', description: 'the due time it last started (or tried to start) a run for' }),
  last_run: {
    anyOf: [
      { type: 'object', properties: { id: { type: 'string' }, number: { type: 'integer' }, status: { type: 'string', enum: WORKFLOW_STATUSES } }, required: ['id', 'number', 'status'] },
      { type: 'null' },
    ],
    description: 'the run of its last due time (null: none, or deleted)',
  },
  last_error: nullable('string', { description: 'why its last due time started no run (e.g. the branch does not exist); null when it started one' }),
} as const;

/** GET /project/schedules: the schedules and the push whose configuration they come from. */
export const schedulesAnswerSchema = {
  type: 'object',
  properties: {
    default_branch: { type: 'string' },
    source: {
      anyOf: [
        {
          type: 'object',
          properties: { workflow_id: { type: 'string' }, number: { type: 'integer' }, sha: { type: 'string' }, updated_at: timestamp },
          required: ['workflow_id', 'number', 'sha', 'updated_at'],
        },
        { type: 'null' },
      ],
      description: "the push to the default branch whose `.factory` the schedules were read from; null before the first",
    },
    schedules: { type: 'array', items: { type: 'object', properties: scheduleProperties, required: keysOf(scheduleProperties) } },
  },
  required: ['default_branch', 'source', 'schedules'],
} as const;
