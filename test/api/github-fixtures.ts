import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { startCheckRunWorker } from '../../apps/api/src/check-runs/worker.js';
import type { GithubAppConfig } from '../../apps/api/src/config.js';
import { createGithubAppClient, type GithubAppClient } from '../../apps/api/src/github/github-app.js';
import { saveInstallation } from '../../apps/api/src/github/installations.js';
import { startGithubStandin, type GithubStandin } from '../standins/github/server.js';
import { freePort } from '../support/free-port.js';
import { adminHeaders, startApi, type ApiHarness, type HarnessOptions } from './harness.js';

/** A GitHub App identity as GitHub hands it out: numeric id, PKCS#1 PEM private key, OAuth client credentials. */
export function makeAppIdentity(): { config: GithubAppConfig; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    config: { appId: '424242', privateKey, clientId: 'Iv1.standin0client', clientSecret: 'standin-client-secret', slug: 'factoryci-test' },
    publicKey,
  };
}

export async function startStandinFor(identity: { config: GithubAppConfig; publicKey: string }): Promise<GithubStandin> {
  return startGithubStandin({
    appId: Number(identity.config.appId),
    appSlug: identity.config.slug,
    appPublicKey: identity.publicKey,
    clientId: identity.config.clientId,
    clientSecret: identity.config.clientSecret,
  });
}

/**
 * A real API (test harness) signing people in with the App through `github` (the stand-in as github.com and its API),
 * listening on a port of its own that is also its PUBLIC_URL, and the App's callback URL set to it.
 */
export async function startApiWithGithubSignIn(identity: { config: GithubAppConfig }, github: GithubStandin): Promise<{ api: ApiHarness; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  github.setCallbackUrls([`${base}/auth/github/callback`]); // the App's settings
  const app = identity.config;
  const api = await startApi({
    env: {
      PUBLIC_URL: base,
      GITHUB_URL: github.url,
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: app.appId,
      GITHUB_APP_PRIVATE_KEY: app.privateKey,
      GITHUB_APP_CLIENT_ID: app.clientId,
      GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      GITHUB_APP_SLUG: app.slug,
    },
    github: createGithubAppClient({ app, apiUrl: github.url, webUrl: github.url }),
  });
  await api.app.listen({ port, host: '127.0.0.1' });
  return { api, base };
}

/** The repository the webhook examples name, as the installed App's projects use it. */
export const HELLO_WORLD = 'Codertocat/Hello-World';

/**
 * A real API (test harness) with the App against `github`, installed on Codertocat/Hello-World as `installationId`
 * (the installation saved as its webhook would) and that repository's project created through the admin API.
 */
export async function startApiWithInstalledProject(
  identity: { config: GithubAppConfig },
  github: GithubStandin,
  installationId: number,
  options: HarnessOptions = {},
): Promise<{ api: ApiHarness; client: GithubAppClient; project: { id: string; webhook_secret: string; installation_id: number | null; default_branch: string | null } }> {
  github.addInstallation({
    id: installationId,
    account: { login: 'Codertocat', id: 21031067, type: 'User' },
    repositories: [HELLO_WORLD],
    permissions: { metadata: 'read', contents: 'read', checks: 'write' },
  });
  const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.com' });
  const api = await startApi({ ...options, github: client });
  await saveInstallation(api.database.db, await client.installation(installationId), await client.installationRepositories(installationId));
  const created = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'Codertocat', project: 'Hello-World', url: `https://github.com/${HELLO_WORLD}` } });
  if (created.statusCode !== 201) throw new Error(`POST /project: ${created.statusCode} ${created.body}`);
  return { api, client, project: created.json() };
}

/** The check-run worker, as the API process runs it, on `api`'s database and queue, writing to GitHub through `client`. */
export function startCheckRunWorkerFor(api: ApiHarness, client: GithubAppClient): { close(): Promise<void> } {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return startCheckRunWorker({ db: api.database.db, github: client, logger, publicUrl: api.config.publicUrl }, { redisUrl: api.config.redisUrl, prefix: api.prefix });
}
