import { AGENT_PATHS, MAX_REASON_CHARS, type PlanBody, type StatusReport } from '@factoryci/agent-protocol';
import { ConfigError, DEFAULT_TIMEZONE, loadConfigFromFilesInWorker, planWorkflow, type Plan, type WorkflowSettings } from '@factoryci/config';
import {
  consulFromUrl,
  consulServiceLocator,
  consulServiceRegistration,
  type ServiceRegistration,
} from '@factoryci/discovery';
import type { WorkflowReportStatus } from '@factoryci/run-state';
import { runTokenWorkflowId } from '@factoryci/run-token';
import type { CliIo } from '../cli-io.js';
import { createConsoleReporter } from '../console-reporter.js';
import { runWorkflow } from '../engine.js';
import { runVariables } from './run-variables.js';
import type { EngineEvent, Reporter } from '../run-model.js';
import { EXIT, exitCodeOf, formatSummary } from '../run-summary.js';
import { sandboxForRun } from '../sandbox.js';
import type { SandboxSettings } from '../sandbox-settings.js';
import { createAgentLogger, type Logger } from './agent-logger.js';
import { ApiRejectedError, cachedApiLocator, createAgentApiClient, fixedApiLocator, type AgentApiClient } from './api-client.js';
import { createApiReporter } from './api-reporter.js';
import { serverBaseEnv } from './base-env.js';
import { readConfigFiles } from './config-files.js';
import { basicAuthHeader, checkoutFetched, fetchCommits, GitError, initRepository } from './git-checkout.js';
import { startObjectReader, type ObjectReader } from './git-objects.js';
import { createRedactor, type Redactor } from './redaction.js';
import { checkRunInfo, checkRunSecrets, needsSecrets, planContextOf, secretsAllowedFor, withoutReused, type RunInfo } from './run-info.js';
import { servicesProblem, waitForServices, type ProvidedService } from '../service-readiness.js';
import { startStatusServer, type StatusServer } from './status-server.js';

/** How `factory-agent run` in server mode is set up (from flags and the environment; see cmd-run.ts). */
export interface ServerSettings {
  apiUrl?: string;
  consulUrl?: string;
  token: string;
  runId?: string;
  /** The address registered in Consul, and the status endpoint's listening address. */
  agentAddress: string;
  /** The status endpoint's port; 0 = any free one. */
  statusPort: number;
  workdir: string;
  /** History depth of the checkout; 0 = all. */
  cloneDepth: number;
  /**
   * The reader of the workdir's repository, which a pooled agent's warm-up made (`git init`) and started (warm-up.ts):
   * the checkout skips `git init`. Without it the run makes both. The run closes it.
   */
  objects?: ObjectReader;
  /** How long one report to the API may keep failing before the run is given up as `error`. */
  giveUpAfterMs: number;
  /** TTL of the Consul check, in seconds. */
  consulTtlSeconds?: number;
  logLevel?: string;
  /** How executions are sandboxed, set by the runner (docs/security.md); none when absent. */
  sandbox?: SandboxSettings;
  /** FACTORY_LOG_CAP_BYTES: a log cap below the run info's (the lower one applies). */
  logCapBytes?: number;
  /** FACTORY_SERVICES: the services the runner started next to the agent; absent = none (the local runner). */
  services?: ProvidedService[];
  /** FACTORY_SERVICES_TIMEOUT_SECONDS: how long the services' ports may take to accept connections. */
  servicesTimeoutMs: number;
  /** FACTORY_LOG_WINDOW_BYTES: output bytes per execution that may wait for the API's acknowledgement (default 6 MiB, DEFAULT_WINDOW_BYTES). */
  logWindowBytes?: number;
}

/** After SIGTERM/SIGINT, how long the agent still tries to report (a pod gets 30 s between SIGTERM and SIGKILL). */
const CANCEL_REPORT_MS = 10_000;
/** After reporting failed for good, how long (at most) the agent tries to tell the API that the run is lost. */
const LAST_WORD_MS = 30_000;

type Phase = 'starting' | 'checkout' | 'config' | 'services' | 'running' | 'reporting' | 'done';

function fanOut(...reporters: Reporter[]): Reporter {
  return { onEvent: (event: EngineEvent) => reporters.forEach((reporter) => reporter.onEvent(event)) };
}

/**
 * `PUT /agent/v1/plan`'s body: the plan tree, commands masked; the pipelines a re-run of the failed pipelines reuses
 * (`reused`) only by name, place and dependencies. Positions are the whole plan's.
 */
export function planBody(plan: Plan, mask: (text: string) => string, reused: readonly string[] = [], workflow?: WorkflowSettings): PlanBody {
  const placed = plan.pipelines.map((pipeline, position) => ({ pipeline, position }));
  return {
    pipelines: placed
      .filter(({ pipeline }) => !reused.includes(pipeline.name))
      .map(({ pipeline, position }) => ({
        name: pipeline.name,
        position,
        dependsOn: pipeline.dependsOn,
        stages: pipeline.stages.map((stage, stagePosition) => ({
          name: stage.name,
          position: stagePosition,
          executions: stage.executions.map((execution, executionPosition) => ({
            name: execution.name,
            position: executionPosition,
            command: mask(execution.command),
            secrets: [...execution.secrets],
            allowFailure: execution.allowFailure === true,
          })),
        })),
      })),
    skipped: plan.skipped.map(({ name, reason, message }) => ({ name, reason, message })),
    reused: placed.filter(({ pipeline }) => reused.includes(pipeline.name)).map(({ pipeline, position }) => ({ name: pipeline.name, position, dependsOn: pipeline.dependsOn })),
    cancelSuperseded: workflow?.cancelSuperseded === true,
    schedules: plan.schedules.map((schedule) => ({ name: schedule.name, cron: schedule.cron, timezone: schedule.timezone ?? DEFAULT_TIMEZONE, branch: schedule.branch ?? null })),
  };
}

/**
 * The server run: register in Consul (when configured), get the run from the API, check out, read `.factory/` from
 * `configSha`, plan, report the plan, fetch the secrets its executions declare (where allowed), run it with the engine
 * while reporting every status change and output chunk, deregister. Returns the exit code (as for a local run; 1 also when the run could not be fetched, checked out or
 * reported).
 */
export async function serverRun(settings: ServerSettings, io: CliIo): Promise<number> {
  const redactor = createRedactor([settings.token]);
  const runId = settings.runId ?? runTokenWorkflowId(settings.token) ?? 'unknown';
  const logger = createAgentLogger({ runId, redactor, write: io.err, ...(settings.logLevel ? { level: settings.logLevel } : {}) });
  // how long node and the agent's modules took to start (ms since the process began): the reaction bench reads it
  logger.info({ bootMs: Math.round(performance.now()) }, 'agent started');
  const consul = settings.consulUrl ? consulFromUrl(settings.consulUrl) : undefined;
  const locator = settings.apiUrl
    ? fixedApiLocator(settings.apiUrl)
    : cachedApiLocator(() => consulServiceLocator(consul as NonNullable<typeof consul>).url('factory-api'));
  const client = createAgentApiClient({ locator, token: settings.token, logger, giveUpAfterMs: settings.giveUpAfterMs });
  const state = { runId, phase: 'starting' as Phase, status: 'pending', since: new Date().toISOString() };
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const stopListening = io.onInterrupt((signal) => {
    if (interrupted) return;
    interrupted = signal;
    logger.warn({ signal }, 'signal received; cancelling the run');
    client.limitRetriesUntil(Date.now() + CANCEL_REPORT_MS);
    controller.abort();
  });

  let statusServer: StatusServer | undefined;
  let registration: ServiceRegistration | undefined;
  const repository: RepositoryObjects = { objects: settings.objects };
  try {
    if (consul) {
      try {
        statusServer = await startStatusServer(settings.agentAddress, settings.statusPort, () => ({ ...state }));
        registration = consulServiceRegistration({
          consul,
          service: 'factory-agent',
          id: runId,
          address: settings.agentAddress,
          port: statusServer.port,
          ttlSeconds: settings.consulTtlSeconds ?? 15,
          meta: { runId },
          logger,
        });
        await registration.start();
      } catch (error) {
        // The run goes on: the orchestrator still follows it through its runner.
        logger.warn({ error: (error as Error).message }, 'could not register in consul');
      }
    }
    const code = await runPhases({ settings, io, logger, client, redactor, state, repository, signal: controller.signal, interrupted: () => interrupted });
    state.phase = 'done';
    logger.info({ exitCode: code, status: state.status }, 'agent finished');
    return code;
  } finally {
    await repository.objects?.close();
    await registration?.stop().catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'consul deregistration failed'));
    await statusServer?.close();
    stopListening();
  }
}

/** The object reader of the workspace's repository, once there is one (closed when the run ends, if not before). */
interface RepositoryObjects {
  objects: ObjectReader | undefined;
}

interface PhaseContext {
  settings: ServerSettings;
  repository: RepositoryObjects;
  io: CliIo;
  logger: Logger;
  client: AgentApiClient;
  redactor: Redactor;
  state: { phase: Phase; status: string };
  signal: AbortSignal;
  interrupted(): NodeJS.Signals | undefined;
}

async function runPhases(ctx: PhaseContext): Promise<number> {
  const { settings, io, logger, client, redactor, state, repository, signal } = ctx;
  const now = () => new Date().toISOString();
  let info: RunInfo;
  try {
    info = checkRunInfo(await client.request('GET', AGENT_PATHS.run));
  } catch (error) {
    logger.error({ error: (error as Error).message }, 'could not start the run with the API');
    return ctx.interrupted() ? EXIT.cancelled : EXIT.failure;
  }
  redactor.add(info.clone.token ?? undefined);
  if (info.clone.token) redactor.add(basicAuthHeader(info.clone.token).slice('Basic '.length));
  // `running` is reported while the checkout starts (both need only the run info); every later report waits for it
  const runningAbort = new AbortController();
  const running = client.request('POST', AGENT_PATHS.status, { status: 'running', at: now() } satisfies StatusReport).then(
    () => {
      state.status = 'running';
      return undefined;
    },
    (error: unknown) => {
      runningAbort.abort();
      return error as Error;
    },
  );
  /** Undefined once `running` is reported; else the exit code of a run the API did not let start (logged). */
  const notStarted = async (): Promise<number | undefined> => {
    const error = await running;
    if (!error) return undefined;
    logger.error({ error: error.message }, 'could not start the run with the API');
    return ctx.interrupted() ? EXIT.cancelled : EXIT.failure;
  };
  /** Reports the workflow's final status when the engine did not run (or could not report); returns `code`. */
  const finish = async (status: WorkflowReportStatus, reason: string, code: number): Promise<number> => {
    const refusedStart = await notStarted();
    if (refusedStart !== undefined) return refusedStart;
    state.status = status;
    try {
      const masked = redactor.mask(reason);
      const bounded = masked.length > MAX_REASON_CHARS ? `${masked.slice(0, MAX_REASON_CHARS - 1)}…` : masked;
      await client.request('POST', AGENT_PATHS.status, { status, reason: bounded, at: now() } satisfies StatusReport);
    } catch (error) {
      logger.error({ error: (error as Error).message, status }, 'could not report the final status');
    }
    return code;
  };
  const cancelled = () => finish('cancelled', `agent stopped by ${ctx.interrupted() ?? 'a signal'} before the run started`, EXIT.cancelled);

  const { workflow } = info;
  logger.info(
    { workflow: workflow.id, number: workflow.number, event: workflow.event, ref: workflow.ref, sha: workflow.sha, configSha: info.configSha, trusted: workflow.trusted },
    'run received',
  );
  const sandboxed = sandboxForRun(settings.sandbox, workflow.trusted, settings.workdir);
  if ('refused' in sandboxed) return finish('error', sandboxed.refused, EXIT.failure);
  const baseEnv = serverBaseEnv(io.env);
  const gitOptions = { cwd: settings.workdir, env: baseEnv, signal };

  if (signal.aborted) return cancelled();
  state.phase = 'checkout';
  const checkoutSignal = AbortSignal.any([signal, runningAbort.signal]);
  /** Ends the run for a checkout that failed (or was stopped): what a failed fetch or `git checkout` reports. */
  const checkoutFailed = async (error: Error): Promise<number> => {
    const refusedStart = await notStarted();
    if (refusedStart !== undefined) return refusedStart;
    if (signal.aborted) return cancelled();
    logger.error({ error: error.message }, 'checkout failed');
    return finish('error', `checkout failed: ${error.message}`, EXIT.failure);
  };
  let objects: ObjectReader;
  try {
    if (!settings.objects) await initRepository({ ...gitOptions, signal: checkoutSignal });
    // started before the fetch (a pooled agent's while it waited): reading .factory/ once fetched starts no process
    objects = repository.objects ??= startObjectReader(gitOptions);
    await fetchCommits({
      ...gitOptions,
      signal: checkoutSignal,
      url: info.clone.url,
      token: info.clone.token ?? undefined,
      sha: workflow.sha,
      configSha: info.configSha,
      depth: settings.cloneDepth,
      initialized: true,
    });
    logger.info({ sha: workflow.sha }, 'fetched');
  } catch (error) {
    return checkoutFailed(error as Error);
  }
  // Once fetched, the work tree is written while .factory/ is read from git's objects, parsed, planned and the plan
  // reported (none of them needs the work tree); the first execution waits for both.
  // The read is asked first: git answers it while this process is held by the spawn of `git checkout` (a fork of it).
  // The reader is gone before the workspace is handed over.
  const configFiles = readConfigFiles(info.configSha, objects).finally(() => objects.close());
  configFiles.catch(() => undefined); // awaited below
  let checkoutError: Error | undefined;
  const checkedOut: Promise<Error | undefined> = checkoutFetched(workflow.sha, { ...gitOptions, signal: checkoutSignal }).then(
    () => {
      logger.info({ sha: workflow.sha, workdir: settings.workdir }, 'checked out');
      return undefined;
    },
    (error: unknown) => (checkoutError = error as Error),
  );
  /** Undefined once the work tree is there; else the exit code of the run ended for its failed checkout. */
  const notCheckedOut = async (): Promise<number | undefined> => {
    const error = await checkedOut;
    return error ? checkoutFailed(error) : undefined;
  };

  // the workspace handed to the sandbox's uid once git is done with it (git refuses a repository another uid owns),
  // beside planning and the plan's report; the first launch awaits it, and surfaces a failure
  const { sandbox } = sandboxed;
  void Promise.all([checkedOut, configFiles]).then(([failed]) => (failed ? undefined : sandbox.prepare?.())).catch(() => undefined);

  state.phase = 'config';
  let plan: Plan;
  let workflowSettings: WorkflowSettings | undefined;
  try {
    // parsed in a Worker when it needs the slow parser: its WebAssembly is released before the executions run (docs/operations.md)
    const config = await loadConfigFromFilesInWorker(await configFiles);
    workflowSettings = config.workflow;
    plan = planWorkflow(config, planContextOf(info));
  } catch (error) {
    // a checkout that failed meanwhile is what the run ends with (as when the work tree was written first)
    const failedCheckout = await notCheckedOut();
    if (failedCheckout !== undefined) return failedCheckout;
    if (signal.aborted) return cancelled();
    if (error instanceof ConfigError) {
      io.err(`${redactor.mask(error.message)}\n`);
      logger.error({ errors: error.diagnostics.length, configSha: info.configSha }, 'invalid .factory configuration');
      return finish('failure', error.message, EXIT.usage);
    }
    if (error instanceof GitError) return finish('error', `reading .factory/ failed: ${error.message}`, EXIT.failure);
    throw error;
  }
  const refused = servicesProblem(plan.runner?.services, settings.services);
  if (refused) {
    const failedCheckout = await notCheckedOut();
    if (failedCheckout !== undefined) return failedCheckout;
    io.err(`${refused}\n`);
    logger.error({ services: plan.runner?.services?.map((service) => service.name) }, 'the runner does not run the configured services');
    return finish('failure', refused, EXIT.usage);
  }
  const reused = plan.pipelines.filter((p) => info.reusedPipelines.includes(p.name)).map((p) => p.name);
  logger.info({ pipelines: plan.pipelines.map((p) => p.name), skipped: plan.skipped.map((p) => p.name), reused }, 'planned');
  const refusedStart = await notStarted();
  if (refusedStart !== undefined) {
    await checkedOut; // (stopped by then: the refusal aborted it)
    return refusedStart;
  }
  // no plan is reported for a run whose checkout failed already
  if (checkoutError) return checkoutFailed(checkoutError);
  try {
    await client.request('PUT', AGENT_PATHS.plan, planBody(plan, redactor.mask, reused, workflowSettings));
  } catch (error) {
    logger.error({ error: (error as Error).message }, 'could not report the plan');
    await checkedOut;
    return signal.aborted ? EXIT.cancelled : finish('error', `could not report the plan: ${(error as Error).message}`, EXIT.failure);
  }
  const failedCheckout = await notCheckedOut();
  if (failedCheckout !== undefined) return failedCheckout;
  if (signal.aborted) return cancelled();
  // what runs: the plan without the pipelines a re-run of the failed ones reuses
  const runnable = withoutReused(plan, reused);
  // The secrets come only now, for the recorded plan: the API gives what its executions declare, where allowed.
  let secrets: Record<string, string> = {};
  if (needsSecrets(runnable, info)) {
    try {
      secrets = checkRunSecrets(await client.request('GET', AGENT_PATHS.secrets));
      redactor.add(...Object.values(secrets));
      logger.info({ names: Object.keys(secrets) }, 'secrets received');
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'could not fetch the run\'s secrets');
      return signal.aborted ? EXIT.cancelled : finish('error', `could not fetch the run's secrets: ${(error as Error).message}`, EXIT.failure);
    }
  }
  if (signal.aborted) return cancelled();

  const services = plan.runner?.services ?? [];
  if (services.length > 0) {
    state.phase = 'services';
    try {
      await waitForServices(services, { timeoutMs: settings.servicesTimeoutMs, signal, onReady: (service, port) => logger.info({ service, port }, 'service ready') });
    } catch (error) {
      if (signal.aborted) return cancelled();
      logger.error({ error: (error as Error).message }, 'a service did not become ready');
      return finish('error', (error as Error).message, EXIT.failure);
    }
  }

  state.phase = 'running';
  const engineAbort = new AbortController();
  signal.addEventListener('abort', () => engineAbort.abort(), { once: true });
  const logCapBytes = Math.min(info.logCapBytes, settings.logCapBytes ?? info.logCapBytes);
  const apiReporter = createApiReporter({
    client,
    logger,
    workflowRunningSent: true,
    onFatal: () => engineAbort.abort(),
    logCapBytes,
    ...(settings.logWindowBytes !== undefined ? { windowBytes: settings.logWindowBytes } : {}),
  });
  const commands = new Map<string, string>();
  for (const p of runnable.pipelines) for (const s of p.stages) for (const e of s.executions) commands.set(`${p.name}/${s.name}/${e.name}`, e.command);
  const result = await runWorkflow({
    plan: runnable,
    workdir: settings.workdir,
    baseEnv,
    secrets,
    inputs: info.inputs,
    runVariables: runVariables(info),
    extraMasks: redactor.values(),
    secretsAllowed: secretsAllowedFor(info),
    sandbox,
    // the console (a local runner's output.log) is capped as the log is
    reporter: fanOut(createConsoleReporter({ write: io.out, mask: redactor.mask, commands, capBytes: logCapBytes }), apiReporter),
    backpressure: apiReporter.backpressure,
    signal: engineAbort.signal,
  });
  state.phase = 'reporting';
  state.status = result.status;
  await apiReporter.drain().catch(() => undefined);
  io.out(`\n${redactor.mask(formatSummary(result))}`);
  const failure = apiReporter.failure;
  if (failure) {
    if (failure instanceof ApiRejectedError && failure.status === 401) {
      logger.warn('the API no longer accepts this run (it ended there, or its token expired); stopped');
      return EXIT.cancelled;
    }
    if (ctx.interrupted()) return EXIT.cancelled;
    client.limitRetriesUntil(Date.now() + Math.min(LAST_WORD_MS, settings.giveUpAfterMs));
    return finish('error', `reporting to the API failed: ${failure.message}`, EXIT.failure);
  }
  logger.info({ status: result.status, ...apiReporter.stats() }, 'run reported');
  return exitCodeOf(result);
}
