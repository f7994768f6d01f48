/**
 * `loadConfigFromFiles` that never loads hcl2json and tree-sitter in the calling thread. They are WebAssembly
 * (hcl2json runs a Go runtime; tree-sitter its grammar) that, once loaded, hold tens of MB for the rest of a process's
 * life: when a file needs them, the load runs in a `worker_threads` Worker that ends with the parse, so that memory
 * goes with the Worker and a long-lived process keeps only the plain configuration. Most configurations need neither
 * (the fast parser takes them) and are loaded in this thread, without a Worker's start.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, type Diagnostic } from './diagnostics.js';
import { loadConfigFromFilesWith, SlowParseRefused, type ConfigFile, type LoadOptions } from './load.js';
import type { FactoryConfig } from './model.js';

/** What the worker answers. */
type LoadAnswer = { ok: true; config: FactoryConfig } | { ok: false; diagnostics: Diagnostic[] } | { ok: false; message: string };

/**
 * The worker, plain CommonJS so that it runs the same from the sources (tests) and from dist: it imports the built
 * package by URL and posts the configuration, the diagnostics of a ConfigError, or another error's message.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.configModule)
  .then(({ loadConfigFromFiles }) => loadConfigFromFiles(workerData.files, workerData.options))
  .then((config) => parentPort.postMessage({ ok: true, config }))
  .catch((error) =>
    parentPort.postMessage(
      error && error.name === 'ConfigError' && Array.isArray(error.diagnostics)
        ? { ok: false, diagnostics: error.diagnostics }
        : { ok: false, message: String((error && error.message) || error) },
    ),
  );
`;

/** This package's built entry, as the worker imports it. */
const configModuleUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('@factoryci/config')).href;

/**
 * The same as `loadConfigFromFiles(files, options)` (a ConfigError with the same diagnostics when the configuration
 * is invalid). When the fast parser takes every file, in this thread (no WebAssembly is loaded); when a file needs
 * hcl2json, the whole load runs again in a Worker that is terminated once it answered. `inWorker` is that Worker's
 * load (replaced only to observe it).
 */
export async function loadConfigFromFilesInWorker(
  files: readonly ConfigFile[],
  options: LoadOptions = {},
  inWorker: (files: readonly ConfigFile[], options: LoadOptions) => Promise<FactoryConfig> = loadInWorker,
): Promise<FactoryConfig> {
  try {
    return await loadConfigFromFilesWith(files, options, () => Promise.reject(new SlowParseRefused('a file needs hcl2json')));
  } catch (error) {
    if (!(error instanceof SlowParseRefused)) throw error;
  }
  return inWorker(files, options);
}

function loadInWorker(files: readonly ConfigFile[], options: LoadOptions): Promise<FactoryConfig> {
  return new Promise<FactoryConfig>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { configModule: configModuleUrl(), files: files.map((file) => ({ ...file })), options },
    });
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      finish();
      void worker.terminate();
    };
    worker.once('message', (answer: LoadAnswer) =>
      settle(() => {
        if (answer.ok) resolve(answer.config);
        // sorted already, and a "more not shown" line, when there is one, is last: kept where it is
        else if ('diagnostics' in answer) reject(new ConfigError(answer.diagnostics.slice(0, -1), answer.diagnostics.at(-1)));
        else reject(new Error(answer.message));
      }),
    );
    worker.once('error', (error: Error) => settle(() => reject(error)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the configuration's parse stopped (exit code ${code}) without an answer`))));
  });
}
