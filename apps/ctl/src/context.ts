import { createApiClient, type ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { colorsWanted, palette, type Palette } from './colors.js';
import { readStoredLogin } from './config-file.js';
import { configFilePath, resolveCredentials } from './credentials.js';
import type { ArgSpec, ParsedArgs } from './cli-args.js';
import type { ViewContext } from './views.js';

/** What every command gets: the process's I/O, colours for stdout, the config file, and the API (signed in lazily). */
export interface Context {
  io: CliIo;
  colors: Palette;
  configPath: string;
  /** The API with FACTORY_SERVER/FACTORY_TOKEN or the stored login; NotSignedInError without either. */
  client(): Promise<ApiClient>;
  view(): ViewContext;
}

export interface Command {
  usage: string;
  args: ArgSpec;
  run(args: ParsedArgs, context: Context): Promise<number>;
}

export function createContext(io: CliIo): Context {
  const configPath = configFilePath(io.env, io.home);
  const colors = palette(colorsWanted(io.stdoutIsTty, io.env));
  return {
    io,
    colors,
    configPath,
    async client() {
      const credentials = resolveCredentials(io.env, await readStoredLogin(configPath));
      return createApiClient(credentials, { fetch: io.fetch });
    },
    view: () => ({ now: io.now(), colors }),
  };
}

/** Prints the API's JSON for `--json`, else the text for people. */
export function print(context: Context, args: ParsedArgs, json: unknown, text: () => string): void {
  context.io.out(args.values.json ? `${JSON.stringify(json, null, 2)}\n` : text());
}
