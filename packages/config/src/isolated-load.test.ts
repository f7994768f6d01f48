/**
 * `loadConfigFromFilesInWorker` answers what `loadConfigFromFiles` answers, and the calling thread never loads the
 * parsers: hcl2json's Go runtime (which defines `globalThis.Go` and its bridge object when its module loads) stays out
 * of this process's main thread, also after importing the package. Uses the built package (`npx tsc -b` first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, loadConfigFromFiles, loadConfigFromFilesInWorker, type ConfigFile } from './index.js';

const examples = fileURLToPath(new URL('../../../examples/.factory', import.meta.url));
const exampleFiles: ConfigFile[] = readdirSync(examples).map((name) => ({ path: name, content: readFileSync(join(examples, name), 'utf8') }));

const rejection = async (load: Promise<unknown>): Promise<ConfigError> => {
  const error = await load.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
};

describe('loadConfigFromFilesInWorker', () => {
  it('answers the configuration loadConfigFromFiles answers; the parsers never load in this thread', async () => {
    const parsedHere = Object.hasOwn(globalThis, '__parse_terraform_config_wasm__') || Object.hasOwn(globalThis, 'Go');
    expect(parsedHere).toBe(false);
    const config = await loadConfigFromFilesInWorker(exampleFiles);
    expect(Object.hasOwn(globalThis, 'Go')).toBe(false);
    expect(Object.hasOwn(globalThis, '__parse_terraform_config_wasm__')).toBe(false);
    expect(config).toEqual(await loadConfigFromFiles(exampleFiles));
  });

  it('loads in this thread, without a Worker, when the fast parser takes every file', async () => {
    const workerLoads: string[][] = [];
    const inWorker = async (files: readonly ConfigFile[]) => {
      workerLoads.push(files.map((file) => file.path));
      throw new Error('not expected');
    };
    expect(await loadConfigFromFilesInWorker(exampleFiles, {}, inWorker)).toEqual(await loadConfigFromFiles(exampleFiles));
    const invalid = [{ path: 'a.hcl', content: 'pipeline "x" {\n  nope = 1\n}\n' }];
    expect((await rejection(loadConfigFromFilesInWorker(invalid, {}, inWorker))).message).toBe((await rejection(loadConfigFromFiles(invalid))).message);
    expect(workerLoads).toEqual([]);
  });

  it('loads in the Worker when a file needs hcl2json', async () => {
    const workerLoads: string[][] = [];
    const files = [...exampleFiles, { path: 'z.hcl', content: 'pipeline "z" {\n  env = { A = "${x}" }\n}\n' }];
    const inWorker = async (given: readonly ConfigFile[]) => {
      workerLoads.push(given.map((file) => file.path));
      throw new Error('the worker answered');
    };
    await expect(loadConfigFromFilesInWorker(files, {}, inWorker)).rejects.toThrow('the worker answered');
    expect(workerLoads).toEqual([files.map((file) => file.path)]);
  });

  it('throws a ConfigError with the same diagnostics, in the same order, "more not shown" last', async () => {
    const broken = Array.from({ length: 6 }, (_, i) => `pipeline "p${i}" {\n  stage "s" {\n    execution "e" { comand = "true" }\n  }\n}\n`).join('');
    // the interpolation sends the load to the Worker (the fast parser leaves it to hcl2json)
    const files = [{ path: 'b.hcl', content: broken }, { path: 'a.hcl', content: 'pipeline "x" {\n  nope = "${x}"\n}\n' }];
    const options = { limits: { ...CONFIG_LIMITS, maxDiagnostics: 3 } };
    const inWorker = await rejection(loadConfigFromFilesInWorker(files, options));
    const here = await rejection(loadConfigFromFiles(files, options));
    expect(inWorker.diagnostics).toEqual(here.diagnostics);
    expect(inWorker.message).toBe(here.message);
    expect(inWorker.diagnostics.at(-1)?.message).toMatch(/more errors? not shown/);
  });
});
