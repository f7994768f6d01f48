/**
 * `loadConfigFromFiles` in a `worker_threads` Worker that ends with the parse. The parsers are WebAssembly (hcl2json
 * runs a Go runtime; tree-sitter its grammar) that, once loaded, hold tens of MB for the rest of a process's life:
 * parsed in a Worker, that memory goes with the Worker, and a long-lived process keeps only the plain configuration.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, type Diagnostic } from './diagnostics.js';
import type { ConfigFile, LoadOptions } from './load.js';
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
 * is invalid), parsed in a Worker that is terminated once it answered.
 */
export function loadConfigFromFilesInWorker(files: readonly ConfigFile[], options: LoadOptions = {}): Promise<FactoryConfig> {
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
