/** For the tests of packages/config: a configuration from `{ file name: content }` under `.factory/`, and its errors. */
import { expect } from 'vitest';
import { ConfigError, formatDiagnostic, loadConfigFromFiles } from '../../packages/config/src/index.js';

/** A valid pipeline, for configurations whose point is elsewhere. */
export const ONE_PIPELINE = 'pipeline "build" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n';

export const loadFiles = (files: Record<string, string>) => loadConfigFromFiles(Object.entries(files).map(([name, content]) => ({ path: `.factory/${name}`, content })));

/** The formatted errors of a configuration that must be invalid. */
export async function errorsOfFiles(files: Record<string, string>): Promise<string[]> {
  const error = await loadFiles(files).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map(formatDiagnostic);
}
