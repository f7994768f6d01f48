import { EVENT_NAMES, type EventName } from '@factoryci/run-state';
import { RUN_CONDITIONS, RETRY_TRIGGERS, MAX_RETRIES, type RunCondition, type RetryPolicy, type RetryTrigger } from '@factoryci/run-state';
/**
 * The typed model of a `.factory` configuration: what every `.factory/*.hcl` file of a repository
 * merges into once it has been parsed and validated. Everything inside FactoryCI trusts these types;
 * only `loadConfig` (the edge) builds them from user input.
 */

/** A position in a user's file. `line` and `column` are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** The events a workflow can be started by (declared in `@factoryci/run-state`). A pushed tag is the `tag` event, not `push`. */
export { EVENT_NAMES, type EventName };

/** Run conditions, allowed failures and retries (declared in `@factoryci/run-state`, docs/factory-hcl.md "Conditions"). */
export { RUN_CONDITIONS, RETRY_TRIGGERS, MAX_RETRIES, type RunCondition, type RetryPolicy, type RetryTrigger };

/** When a pipeline runs. Every condition that is given must hold; an absent one always holds. */
export interface Filter {
  events?: EventName[];
  /** Globs matched against the branch (for `pull_request`: the target branch). */
  branches?: string[];
  /** Globs matched against the tag name (only meaningful for the `tag` event). */
  tags?: string[];
  /** Globs matched against the changed paths; the pipeline runs when at least one changed path matches. */
  paths?: string[];
}

/** The pod (or local process) a workflow runs in. */
export interface RunnerSpec {
  image?: string;
  /** Kubernetes quantity, e.g. "500m" or "2". */
  cpu?: string;
  /** Kubernetes quantity, e.g. "512Mi" or "2Gi". */
  memory?: string;
  /** Sidecar containers of the run's pod (`service` blocks), in declaration order; absent when there are none. */
  services?: ServiceSpec[];
  location: SourceLocation;
}

/**
 * A `service` block: a container started next to the agent in the run's pod, reachable on `localhost` at its
 * `ports`, which the agent waits for before the first stage. `env` is configuration, not secret.
 */
export interface ServiceSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  /** TCP ports it listens on (unique across the run's services). */
  ports: number[];
  location: SourceLocation;
}

export interface Execution {
  name: string;
  command: string;
  env: Record<string, string>;
  /** Names of secrets injected as environment variables and masked in every log line. */
  secrets: string[];
  /** Milliseconds: its own `timeout`, else its pipeline's `timeout`; undefined = no timeout. */
  timeoutMs?: number;
  /** Relative to the checkout; undefined = the checkout's root. */
  workingDir?: string;
  /** `allow_failure = true`: its failure does not fail its stage (shown as an allowed failure). */
  allowFailure?: boolean;
  /** `retry` / `retry_on`: further attempts after a failure; undefined = none. */
  retry?: RetryPolicy;
  location: SourceLocation;
  /** A matrix copy's values (axis → value, in axis order); its name is then e.g. `unit (node=18)`. */
  matrix?: MatrixValues;
}

export interface Stage {
  name: string;
  executions: Execution[];
  /** When the stage runs, given the earlier stages of its pipeline; undefined = `on_success`. */
  when?: RunCondition;
  location: SourceLocation;
}

export interface Pipeline {
  name: string;
  filter: Filter;
  dependsOn: string[];
  env: Record<string, string>;
  /** Milliseconds; the default timeout of this pipeline's executions (already applied to each `Execution.timeoutMs`). */
  timeoutMs?: number;
  /** When the pipeline runs, given how its `dependsOn` ended; undefined = `on_success`. */
  when?: RunCondition;
  stages: Stage[];
  location: SourceLocation;
  /** A matrix copy's values (axis → value, in axis order); its name is then e.g. `test (node=18)`. */
  matrix?: MatrixValues;
}

/** A matrix copy's values: axis name → value, in the order the axes are declared. */
export type MatrixValues = Record<string, string>;

/** A `matrix` block as declared (expanded by `expandMatrices`; the rest of FactoryCI sees only the copies). */
export interface MatrixSpec {
  axes: { name: string; values: string[] }[];
  /** Partial combinations left out: a copy whose values match every entry of one of them is not made. */
  exclude: MatrixValues[];
  /** How many copies it expands to (after `exclude`). */
  copies: number;
  location: SourceLocation;
}

/** The `workflow` block: settings of the whole workflow. */
export interface WorkflowSettings {
  /** A newer run of the same branch (pull request) cancels this one's older runs (docs/factory-hcl.md#workflow). */
  cancelSuperseded?: boolean;
  location: SourceLocation;
}

/** A `schedule "name" { cron, branch, timezone }` block: runs started by the clock (docs/factory-hcl.md#schedules). */
export interface ScheduleSpec {
  name: string;
  /** Five fields or a macro, fields separated by one space (`cron.ts`). */
  cron: string;
  /** The IANA time zone the fields are read in; absent = UTC. */
  timezone?: string;
  /** The branch to run on; absent = the project's default branch. */
  branch?: string;
  location: SourceLocation;
}

export interface FactoryConfig {
  runner?: RunnerSpec;
  workflow?: WorkflowSettings;
  /** In declaration order; read by the server from the default branch's configuration only. */
  schedules?: ScheduleSpec[];
  /** In the order they were declared (files sorted by name). */
  pipelines: Pipeline[];
  /** The files that were merged, relative to the directory that was loaded. */
  files: string[];
}

/** What a workflow is started by: the input to planning. */
export interface PlanContext {
  event: EventName;
  /** The branch pushed to, or the target branch of a pull request. */
  branch?: string;
  /** The tag name, for the `tag` event (when absent, `branch` is taken as the tag name). */
  tag?: string;
  /** The changed paths; undefined = unknown, in which case a `paths` filter holds. */
  changedPaths?: string[];
}
