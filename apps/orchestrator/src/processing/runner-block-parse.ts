/**
 * Parses a `.factory/` configuration's `runner` block off the event loop: `loadConfigFromFiles` is synchronous
 * WebAssembly and validation (seconds of CPU for a crafted 1 MiB configuration), so it runs in a `worker_threads`
 * Worker with a deadline and a heap limit, terminated when the deadline passes. The orchestrator's timers, queue locks
 * and other runs go on meanwhile.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ConfigFile } from '@factoryci/config';
import type { RunnerRequest } from '../runner.js';

export interface RunnerBlockParseLimits {
  /** The parse is stopped (the worker terminated) after this long; FACTORY_CONFIG_PARSE_TIMEOUT_SECONDS. */
  timeoutMs: number;
  /** The worker's V8 heap (old generation), in MiB. */
  maxHeapMb: number;
}

export const DEFAULT_RUNNER_BLOCK_PARSE_LIMITS: RunnerBlockParseLimits = { timeoutMs: 5000, maxHeapMb: 256 };

/** The `runner` block of configuration files (undefined: they name none); rejects when they cannot be read. */
export type RunnerBlockParser = (files: readonly ConfigFile[]) => Promise<RunnerRequest | undefined>;

/** The parse took longer than its deadline; the worker was terminated. */
export class ConfigParseTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`parsing .factory/ took longer than ${timeoutMs} ms; stopped`);
    this.name = 'ConfigParseTimeoutError';
  }
}

/** Characters of a parse error kept for the log (a hostile configuration has 200 diagnostics of any length). */
export const MAX_PARSE_ERROR_LENGTH = 2000;

/** The configuration has errors (the agent reports them itself), or the worker failed (e.g. out of memory). */
export class ConfigParseFailedError extends Error {
  constructor(message: string) {
    super(message.length > MAX_PARSE_ERROR_LENGTH ? `${message.slice(0, MAX_PARSE_ERROR_LENGTH)}…` : message);
    this.name = 'ConfigParseFailedError';
  }
}

/** What the worker answers. */
type ParseAnswer = { ok: true; runner: RunnerRequest | null } | { ok: false; message: string };

/**
 * The worker, plain CommonJS so it runs the same from the sources (tests) and from dist: it imports the built
 * `@factoryci/config` by URL, parses, and posts the runner block's image, cpu, memory and services, or the error's message.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.configModule)
  .then(({ loadConfigFromFiles }) => loadConfigFromFiles(workerData.files))
  .then((config) => {
    const runner = config.runner;
    if (!runner) return parentPort.postMessage({ ok: true, runner: null });
    const picked = {};
    for (const key of ['image', 'cpu', 'memory']) if (runner[key]) picked[key] = runner[key];
    if (runner.services) picked.services = runner.services.map(({ name, image, env, ports }) => ({ name, image, env, ports }));
    parentPort.postMessage({ ok: true, runner: picked });
  })
  .catch((error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error) }));
`;

/** `@factoryci/config`'s built entry, as the worker imports it. */
const configModuleUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('@factoryci/config')).href;

/** A parser that runs each parse in its own Worker, bounded by `limits`. */
export function createWorkerRunnerBlockParser(limits: RunnerBlockParseLimits = DEFAULT_RUNNER_BLOCK_PARSE_LIMITS): RunnerBlockParser {
  return (files) =>
    new Promise<RunnerRequest | undefined>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { configModule: configModuleUrl(), files: files.map((file) => ({ ...file })) },
        resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
      });
      let settled = false;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        finish();
        void worker.terminate();
      };
      const timer = setTimeout(() => settle(() => reject(new ConfigParseTimeoutError(limits.timeoutMs))), limits.timeoutMs);
      worker.once('message', (answer: ParseAnswer) =>
        settle(() => (answer.ok ? resolve(answer.runner ?? undefined) : reject(new ConfigParseFailedError(answer.message)))),
      );
      worker.once('error', (error: Error) => settle(() => reject(new ConfigParseFailedError(`the parse failed: ${error.message}`))));
      worker.once('exit', (code) => settle(() => reject(new ConfigParseFailedError(`the parse stopped (exit code ${code}) without an answer`))));
    });
}
