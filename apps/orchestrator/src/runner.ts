/**
 * The runner interface: how the orchestrator provisions the place a workflow runs in (a Kubernetes Job's pod or a
 * local child process), follows it to its end, cancels it, and re-attaches to it after a restart. Runner kinds are
 * found by name in the registry (`runners.ts`); each one creates its runner from the configuration and reads and
 * writes its own stored handles (`RunnerKind`).
 */
import type { Logger } from 'pino';
import type { OrchestratorConfig } from './config.js';

/** What the workflow's `runner` block asks for; every field is optional. */
export interface RunnerRequest {
  image?: string | null;
  cpu?: string | null;
  memory?: string | null;
  /** Its `service` blocks: sidecar containers of the run's pod; none when absent. */
  services?: ServiceRequest[] | null;
}

/** One `service` block (already validated by `@factoryci/config`: name a DNS label, ports unique, env names variables). */
export interface ServiceRequest {
  name: string;
  image: string;
  /** Configuration, not secret: it is written into the pod spec. */
  env: Record<string, string>;
  ports: number[];
}

/** The project's upper bounds for one run. */
export interface RunLimits {
  /** Kubernetes quantity, e.g. "2". */
  cpu: string;
  /** Kubernetes quantity, e.g. "4Gi". */
  memory: string;
  /** Longest a run may take, in seconds, before it is stopped with reason DeadlineExceeded. */
  timeoutSeconds: number;
}

/** One workflow run to provision. */
export interface RunStart {
  runId: string;
  projectId: string;
  /** Short-lived token scoped to this run; the only credential the agent gets. */
  runToken: string;
  runner?: RunnerRequest | null;
  limits: RunLimits;
}

/** Enough to find a started run again, also from another orchestrator process. Plain data, storable as JSON. */
export interface RunHandle {
  /** The name of the runner kind that started the run (its key in the registry). */
  kind: string;
  runId: string;
  /** Where the run is within its runner: the Job's name, the local run's directory. */
  name: string;
  /** A scope of `name`, for runners that have one (the Job's namespace). */
  namespace?: string;
}

/** How a run ended, as far as its runner can tell. */
export type RunOutcome =
  | { status: 'success' }
  | { status: 'failure'; exitCode: number }
  /** The place the run ran in failed (image pull, scheduling, OOMKilled, eviction, deadline, lost process...). */
  | { status: 'error'; reason: string; message: string }
  | { status: 'cancelled' };

/** Progress a runner reports while it follows a run. */
export type RunEvent = { type: 'provisioning'; detail?: string } | { type: 'running' };

export interface Runner {
  /** The name of its runner kind; the handles it makes carry it. */
  readonly kind: string;
  /**
   * Whether `start` uses the workflow's `runner` block (image, cpu, memory): only then is it read from `.factory/`
   * before the run starts (a runner that ignores it gets `runner: null`).
   */
  readonly wantsRunnerBlock: boolean;
  /** Provisions the run. Idempotent per run id: a second start for the same run adopts the first one. */
  start(run: RunStart): Promise<RunHandle>;
  /** Finds a run started earlier (e.g. before an orchestrator restart) without starting it again. */
  adopt(runId: string): Promise<RunHandle | undefined>;
  /** Follows the run to its end, reporting progress; resolves with the final outcome. */
  watch(handle: RunHandle, onEvent?: (event: RunEvent) => void): Promise<RunOutcome>;
  /** Stops the run; a watch in progress then resolves with `cancelled`. */
  cancel(handle: RunHandle): Promise<void>;
  /** The run's output as its runner saw it, when still available. A fallback only: agents stream logs to the API. */
  logs(handle: RunHandle): Promise<string | undefined>;
}

/**
 * How one runner kind's handles are stored in `Workflow.runnerHandle`: as `<kind>:<place>#<run id>` (`run-handle.ts`
 * writes the frame), where the kind writes and reads the place.
 */
export interface RunHandleCodec {
  /** The handle's place as text (it may hold any character; the frame is parsed from both ends). */
  place(handle: RunHandle): string;
  /** The handle of run `runId` at a place this kind wrote, or undefined for text it did not write. */
  fromPlace(place: string, runId: string): RunHandle | undefined;
}

/** One kind of runner, as the registry (`runners.ts`) holds it under its name. */
export interface RunnerKind {
  /**
   * The runner the orchestrator's configuration describes. Asynchronous so that a kind loads its client only when it
   * is the one chosen (the Kubernetes client costs an orchestrator that runs locally ~60 MB of memory).
   */
  create(config: OrchestratorConfig, logger: Logger): Promise<Runner>;
  handle: RunHandleCodec;
  /** Its agents run on the orchestrator's machine: without an API URL or Consul they reach the API at 127.0.0.1:$PORT. */
  agentsOnThisMachine: boolean;
}

/** The run id cannot be used as a Kubernetes label value or a file name. */
export class InvalidRunIdError extends Error {
  constructor(readonly runId: string) {
    super(`run id "${runId}" must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
    this.name = 'InvalidRunIdError';
  }
}

const LABEL_VALUE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Throws InvalidRunIdError unless `id` is usable as a label value (and so as a file name). */
export function assertRunId(id: string): void {
  if (!LABEL_VALUE.test(id)) throw new InvalidRunIdError(id);
}
