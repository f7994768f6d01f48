import { join } from 'node:path';
import { NotSignedInError } from './errors.js';
import { UsageError } from './usage.js';

/** What `factoryctl login` stores. */
export interface StoredLogin {
  server: string;
  token: string;
}

export interface Credentials {
  server: string;
  token: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/factoryci/config.json`, else `~/.config/factoryci/config.json` (XDG: only an absolute path counts). Pure. */
export function configFilePath(env: Env, home: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || home, '.config');
  return join(base, 'factoryci', 'config.json');
}

/** FACTORY_SERVER / FACTORY_TOKEN first, each on its own, then the stored login. Pure. */
export function resolveCredentials(env: Env, stored: Partial<StoredLogin> | undefined): Credentials {
  const server = env.FACTORY_SERVER?.trim() || stored?.server;
  const token = env.FACTORY_TOKEN?.trim() || stored?.token;
  if (!server) throw new NotSignedInError('server');
  if (!token) throw new NotSignedInError('token');
  return { server: normaliseServer(server), token };
}

/** `https://ci.example.com/` → `https://ci.example.com`; a host without a scheme gets `https://`. Pure. */
export function normaliseServer(input: string): string {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`"${input}" is not a server address (e.g. https://ci.example.com or http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the server address must be http:// or https://, not "${input}"`);
  if (url.search || url.hash || url.username) throw new UsageError(`the server address "${input}" must be a plain URL (no query, fragment or user)`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A token as typed or pasted: one line, no spaces. Pure. */
export function checkToken(token: string): string {
  const trimmed = token.trim();
  if (trimmed === '') throw new UsageError('the token is empty');
  if (/\s/.test(trimmed)) throw new UsageError('a token has no spaces: check what was pasted');
  return trimmed;
}

/** A warning when the token would cross a network unencrypted: `http://` to a host other than loopback. Pure. */
export function plainHttpWarning(server: string): string | undefined {
  const url = new URL(server);
  if (url.protocol !== 'http:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return undefined;
  return `${server} is plain http: the token crosses the network unencrypted. Use https:// unless this network is private.`;
}
