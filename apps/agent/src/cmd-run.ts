import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EVENT_FLAGS, eventContext, parseFlags, parseSecrets } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { createConsoleReporter } from './console-reporter.js';
import { runWorkflow } from './engine.js';
import { localServicesProblem } from './local-services.js';
import { createMasker } from './masker.js';
import { describeContext } from './plan-text.js';
import { checkClaimSettings, isPooled, isServerMode, SERVER_FLAGS, serverSettings } from './server/server-args.js';
import { CLAIM_ENV, ClaimError, NETWORK_CLAIM_ENV, parseClaim, readClaimLine, UNCLAIMED_EXIT } from './server/claim.js';
import type { FlagValues } from './cli-args.js';
import { RUN_USAGE, UsageError } from './usage.js';
import { EXIT, exitCodeOf, formatSummary, resultToJson } from './run-summary.js';

/** How long `factory-agent run` tries each port of a declared service (which the developer must have started). */
const LOCAL_SERVICE_PROBE_MS = 2000;

export async function runCommandLine(argv: string[], io: CliIo): Promise<number> {
  const values = parseFlags(argv, {
    ...EVENT_FLAGS,
    dir: { type: 'string' },
    workdir: { type: 'string' },
    secret: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    ...SERVER_FLAGS,
  });
  if (values.help) {
    io.out(RUN_USAGE);
    return EXIT.success;
  }
  if (isServerMode(values, io.env) && isPooled(io.env)) return pooledRun(values, io);
  if (isServerMode(values, io.env)) {
    const settings = await serverSettings(values, io.env);
    const { serverRun } = await import('./server/server-run.js');
    return serverRun(settings, io);
  }
  const context = eventContext(values as Parameters<typeof eventContext>[0]);
  const secrets = parseSecrets(values.secret as string[] | undefined, io.env);
  const workdirFlag = (values.workdir as string | undefined) ?? '.';
  const workdir = resolve(workdirFlag);
  if (!(await isDirectory(workdir))) throw new UsageError(`--workdir ${workdirFlag}: not a directory`);
  const dir = (values.dir as string | undefined) ?? join(workdirFlag, '.factory');

  const { loadConfig, planWorkflow } = await import('@factoryci/config'); // loaded late: usage errors stay fast
  const config = await loadConfig(dir);
  const plan = planWorkflow(config, context);
  const services = await localServicesProblem(plan.runner?.services, LOCAL_SERVICE_PROBE_MS);
  if (services) {
    io.err(`${services}\n`);
    return EXIT.usage;
  }

  const json = values.json === true;
  const log = json ? io.err : io.out;
  const mask = createMasker(Object.values(secrets));
  const commands = new Map<string, string>();
  for (const p of plan.pipelines)
    for (const s of p.stages) for (const e of s.executions) commands.set(`${p.name}/${s.name}/${e.name}`, e.command);

  log(`factory-agent: ${describeContext(context)}; ${plan.pipelines.length} of ${plan.pipelines.length + plan.skipped.length} pipelines run\n`);
  const controller = new AbortController();
  const stopListening = io.onInterrupt((signal) => {
    if (controller.signal.aborted) return;
    io.err(`factory-agent: ${signal} received, cancelling the run\n`);
    controller.abort();
  });
  try {
    const result = await runWorkflow({
      plan,
      workdir,
      baseEnv: io.env,
      secrets,
      reporter: createConsoleReporter({ write: log, mask, commands }),
      signal: controller.signal,
    });
    if (json) io.out(`${JSON.stringify(resultToJson(result), null, 2)}\n`);
    else io.out(`\n${mask(formatSummary(result))}`);
    return exitCodeOf(result);
  } finally {
    stopListening();
  }
}

/**
 * A pooled agent (server/claim.ts): warm up, then wait for the claim on standard input and run that one workflow.
 * Without a claim (the channel closed) it exits UNCLAIMED_EXIT having asked the API nothing.
 */
async function pooledRun(values: FlagValues, io: CliIo): Promise<number> {
  checkClaimSettings(values, io.env);
  if (io.env[CLAIM_ENV] === 'network') return networkPooledRun(values, io);
  if (!io.input) throw new UsageError('a pooled agent needs its standard input (the claim channel)');
  const { warmUp, warmRepositoryFor } = await import('./server/warm-up.js');
  const { serverRun, ...warm } = await warmUp(resolve((values.workdir as string | undefined) ?? '.'), io.env);
  io.out('factory-agent: warm; waiting to be claimed\n');
  let claim;
  try {
    const line = await readClaimLine(io.input);
    if (line === undefined) {
      await warm.objects?.close();
      io.out('factory-agent: the claim channel closed before a claim; exiting\n');
      return UNCLAIMED_EXIT;
    }
    claim = parseClaim(line);
  } catch (error) {
    await warm.objects?.close();
    if (error instanceof ClaimError) throw new UsageError(error.message);
    throw error;
  }
  io.out(`factory-agent: claimed for run ${claim.runId}\n`);
  const settings = await serverSettings(values, io.env, claim);
  return serverRun({ ...settings, ...warmRepositoryFor(warm, settings.workdir) }, io);
}

/**
 * A pooled agent of the Kubernetes pool (server/network-claim.ts): read the claim key, warm up, register as idle in
 * Consul and wait for the one claim that opens with the key; then run that workflow.
 */
async function networkPooledRun(values: FlagValues, io: CliIo): Promise<number> {
  const { readClaimKey, startPodNetworkClaim } = await import('./server/network-claim.js');
  let key: Buffer;
  try {
    key = await readClaimKey(io.env[NETWORK_CLAIM_ENV.keyFile] ?? '');
  } catch (error) {
    if (error instanceof ClaimError) throw new UsageError(error.message);
    throw error;
  }
  const { warmUp, warmRepositoryFor } = await import('./server/warm-up.js');
  const { serverRun, ...warm } = await warmUp(resolve((values.workdir as string | undefined) ?? '.'), io.env);
  const consulUrl = (values.consul as string | undefined) ?? io.env.FACTORY_CONSUL_URL ?? '';
  const source = await startPodNetworkClaim(io.env, consulUrl, key, (message) => io.out(`factory-agent: ${message}\n`));
  let stopListening = () => {};
  const interrupted = new Promise<undefined>((resolve) => {
    stopListening = io.onInterrupt(() => resolve(undefined));
  });
  // only once a signal is handled: whoever reads this line may stop the agent at once (and it deregisters)
  io.out(`factory-agent: warm; waiting to be claimed on port ${source.port}\n`);
  const claim = await Promise.race([source.claim, interrupted]);
  stopListening();
  if (!claim) {
    await source.close();
    await warm.objects?.close();
    io.out('factory-agent: stopped before a claim; exiting\n');
    return UNCLAIMED_EXIT;
  }
  io.out(`factory-agent: claimed for run ${claim.runId}\n`);
  const settings = await serverSettings(values, io.env, claim);
  return serverRun({ ...settings, ...warmRepositoryFor(warm, settings.workdir) }, io);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
