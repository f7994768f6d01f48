/**
 * The FactoryCI GitHub App's settings from an environment, read the same way by the API and the orchestrator:
 * GITHUB_APP_ID (numeric), GITHUB_APP_PRIVATE_KEY (PEM; newlines may be written as `\n`, as in .env files),
 * GITHUB_API_URL (REST base, default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3) and, for the
 * API's OAuth flow and installation page, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET, GITHUB_APP_SLUG.
 * Problems are pushed onto the caller's list, one line each, so that a configuration reports all of them at once.
 */
import { createPrivateKey } from 'node:crypto';

export type Env = Record<string, string | undefined>;

/** The App's identity: enough to act as the App and as its installations. */
export interface GithubAppKey {
  /** Numeric, as text. */
  appId: string;
  /** PEM. */
  privateKey: string;
}

/** The App's OAuth client (the user authorisation flow) and its URL name (the installation page). */
export interface GithubAppOAuth {
  clientId: string;
  clientSecret: string;
  slug: string;
}

/** The App with its OAuth client: what the API needs. */
export type GithubAppWithOAuth = GithubAppKey & GithubAppOAuth;

/** The App and the REST API it talks to: what the orchestrator needs. */
export interface GithubAppSettings extends GithubAppKey {
  /** REST API base, without a trailing slash. */
  apiUrl: string;
}

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_APP_KEY_VARS = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY'] as const;
export const GITHUB_APP_OAUTH_VARS = ['GITHUB_APP_CLIENT_ID', 'GITHUB_APP_CLIENT_SECRET', 'GITHUB_APP_SLUG'] as const;

function read(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Whether `pem` is a private key Node can use to sign the App's JWTs. */
export function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).type === 'private';
  } catch {
    return false;
  }
}

/** GITHUB_API_URL without its trailing slashes, default https://api.github.com. */
export function githubApiUrlFromEnv(env: Env, problems: string[]): string {
  const apiUrl = (read(env, 'GITHUB_API_URL') ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  if (!isHttpUrl(apiUrl)) problems.push('GITHUB_API_URL must be an http(s) URL');
  return apiUrl;
}

function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) as string}`;
}

/** The variables `names`, all given or none (undefined); a partial group is a problem. */
function group(env: Env, names: readonly string[], problems: string[]): Map<string, string> | undefined {
  const given = new Map(names.flatMap((name) => (read(env, name) === undefined ? [] : [[name, read(env, name) as string] as const])));
  if (given.size === 0) return undefined;
  if (given.size < names.length) {
    const missing = names.filter((name) => !given.has(name));
    problems.push(`the GitHub App settings ${listed(names)} go together: ${missing.join(', ')} missing (set all of them or none)`);
    return undefined;
  }
  return given;
}

function checkedKey(values: Map<string, string>, problems: string[]): GithubAppKey {
  const appId = values.get('GITHUB_APP_ID') ?? '';
  const privateKey = (values.get('GITHUB_APP_PRIVATE_KEY') ?? '').replace(/\\n/g, '\n');
  if (!/^\d+$/.test(appId)) problems.push("GITHUB_APP_ID must be the App's numeric id");
  if (!isPrivateKey(privateKey)) problems.push("GITHUB_APP_PRIVATE_KEY must be the App's private key in PEM form");
  return { appId, privateKey };
}

/** The App's id and key (both or neither) with GITHUB_API_URL; undefined when the App is not configured. */
export function githubAppSettingsFromEnv(env: Env, problems: string[]): GithubAppSettings | undefined {
  const values = group(env, GITHUB_APP_KEY_VARS, problems);
  if (!values) return undefined;
  const key = checkedKey(values, problems);
  return { ...key, apiUrl: githubApiUrlFromEnv(env, problems) };
}

/** The App's id, key, OAuth client and slug (all five or none); undefined when the App is not configured. */
export function githubAppWithOAuthFromEnv(env: Env, problems: string[]): GithubAppWithOAuth | undefined {
  const values = group(env, [...GITHUB_APP_KEY_VARS, ...GITHUB_APP_OAUTH_VARS], problems);
  if (!values) return undefined;
  const key = checkedKey(values, problems);
  const slug = values.get('GITHUB_APP_SLUG') ?? '';
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(slug)) problems.push("GITHUB_APP_SLUG must be the App's URL name (letters, digits, -)");
  return { ...key, clientId: values.get('GITHUB_APP_CLIENT_ID') ?? '', clientSecret: values.get('GITHUB_APP_CLIENT_SECRET') ?? '', slug };
}
