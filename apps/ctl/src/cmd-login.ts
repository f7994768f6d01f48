/** login, logout, whoami. */
import { createApiClient } from './api-client.js';
import type { Me } from './api-types.js';
import type { CliIo } from './cli-io.js';
import { print, type Command } from './context.js';
import { readStoredLogin, removeStoredLogin, writeStoredLogin } from './config-file.js';
import { checkToken, normaliseServer, plainHttpWarning } from './credentials.js';
import { LOGIN_USAGE, LOGOUT_USAGE, UsageError, WHOAMI_USAGE } from './usage.js';
import { whoamiText } from './views.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The values login was not given: asked on a terminal, else read from standard input one line each. */
async function askFor(io: CliIo, missing: { server: boolean; token: boolean }): Promise<{ server?: string; token?: string }> {
  if (!missing.server && !missing.token) return {};
  if (io.stdinIsTty) {
    return {
      ...(missing.server ? { server: await io.prompt('FactoryCI server (e.g. https://ci.example.com): ', false) } : {}),
      ...(missing.token ? { token: await io.prompt('Token: ', true) } : {}),
    };
  }
  const lines = (await io.readStdin()).split(/\r?\n/);
  const server = missing.server ? lines.shift() : undefined;
  const token = missing.token ? lines.shift() : undefined;
  const wanted = [missing.server && !server ? '--server' : '', missing.token && !token ? '--token' : ''].filter(Boolean);
  if (wanted.length > 0) throw new UsageError(`${wanted.join(' and ')} not given, and not on standard input (one line each: server, then token)`);
  return { server, token };
}

export const loginCommand: Command = {
  usage: LOGIN_USAGE,
  args: { options: { server: { type: 'string' }, token: { type: 'string' } } },
  async run(args, context) {
    const given = { server: str(args.values.server), token: str(args.values.token) };
    const asked = await askFor(context.io, { server: given.server === undefined, token: given.token === undefined });
    const server = normaliseServer(given.server ?? asked.server ?? '');
    const token = checkToken(given.token ?? asked.token ?? '');
    const warning = plainHttpWarning(server);
    if (warning) context.io.err(`Warning: ${warning}\n`);
    const me = await createApiClient({ server, token }, { fetch: context.io.fetch }).json<Me>('GET', '/me');
    await writeStoredLogin(context.configPath, { server, token });
    print(context, args, { server, config: context.configPath, me }, () => `Signed in: ${whoamiText(me, server).trimEnd()}.\nSaved to ${context.configPath}.\n`);
    if (context.io.env.FACTORY_SERVER || context.io.env.FACTORY_TOKEN) {
      context.io.err('Note: FACTORY_SERVER or FACTORY_TOKEN is set in this environment; it wins over the stored login.\n');
    }
    return 0;
  },
};

export const logoutCommand: Command = {
  usage: LOGOUT_USAGE,
  args: { options: {} },
  async run(args, context) {
    const stored = await readStoredLogin(context.configPath).catch(() => undefined);
    const removed = await removeStoredLogin(context.configPath);
    print(context, args, { removed, server: stored?.server ?? null, config: context.configPath }, () =>
      removed ? `Signed out of ${stored?.server ?? 'the server'} (deleted ${context.configPath}).\n` : 'Not signed in: nothing stored.\n',
    );
    if (context.io.env.FACTORY_TOKEN) context.io.err('Note: FACTORY_TOKEN is still set in this environment.\n');
    return 0;
  },
};

export const whoamiCommand: Command = {
  usage: WHOAMI_USAGE,
  args: { options: {} },
  async run(args, context) {
    const api = await context.client();
    const me = await api.json<Me>('GET', '/me');
    print(context, args, me, () => whoamiText(me, api.server));
    return 0;
  },
};
