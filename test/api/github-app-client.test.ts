import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubAppClient, GithubRequestError } from '../../apps/api/src/github/github-app.js';
import type { GithubStandin } from '../standins/github/server.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';

const identity = makeAppIdentity();
let github: GithubStandin;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({
    id: 77,
    account: { login: 'acme', id: 9001, type: 'Organization' },
    repositories: ['acme/widgets', 'acme/gears'],
    permissions: { metadata: 'read', contents: 'read', repository_hooks: 'write', checks: 'write' },
  });
  github.addInstallation({
    id: 78,
    account: { login: 'readonly-org', id: 9002, type: 'Organization' },
    repositories: ['readonly-org/tool'],
    permissions: { metadata: 'read', contents: 'read' },
  });
  github.addUser({ login: 'alice', id: 501, type: 'User' }, [77]);
});
afterAll(() => github.close());

const client = () => createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.example' });

describe('GitHub App client against the stand-in', () => {
  it('builds the installation page URL from the web base and the slug', () => {
    expect(client().installUrl()).toBe('https://github.example/apps/factoryci-test/installations/new');
  });

  it('identifies the user through the OAuth code and lists the installations they can access', async () => {
    const c = client();
    const { user, token } = await c.identifyUser(github.issueOAuthCode('alice'));
    expect(user).toEqual({ login: 'alice', id: 501, type: 'User' });
    const installations = await c.userInstallations(token);
    expect(installations.map((i) => [i.id, i.account.login])).toEqual([[77, 'acme']]);
    const exchange = github.requests.find((r) => r.path === '/login/oauth/access_token');
    expect(exchange?.body).toMatchObject({ client_id: 'Iv1.standin0client', client_secret: 'standin-client-secret' });
  });

  it('rejects a code GitHub did not issue', async () => {
    await expect(client().identifyUser('not-a-code')).rejects.toBeInstanceOf(GithubRequestError);
  });

  it('authenticates as the App with a JWT the stand-in verifies, then as the installation', async () => {
    const c = client();
    expect((await c.installation(77)).account).toEqual({ login: 'acme', id: 9001, type: 'Organization' });
    const repos = await c.installationRepositories(77);
    expect(repos.map((r) => r.fullName)).toEqual(['acme/widgets', 'acme/gears']);
    const tokenRequest = github.requests.find((r) => r.path === '/app/installations/77/access_tokens');
    expect(tokenRequest?.status).toBe(201);
  });

  it('fails when the JWT is signed with another key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const impostor = createGithubAppClient({ app: { ...identity.config, privateKey }, apiUrl: github.url, webUrl: 'https://github.example' });
    const error = await impostor.installation(77).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GithubRequestError);
    expect((error as GithubRequestError).status).toBe(401);
  });

  it('creates a JSON push/pull_request hook with the secret, and is refused without the hooks permission', async () => {
    const c = client();
    const id = await c.createRepositoryHook(77, 'acme/widgets', { url: 'https://ci.example/hooks/github', secret: 's3cret' });
    expect(github.hooks('acme/widgets')).toEqual([
      { id, name: 'web', active: true, events: ['push', 'pull_request'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://ci.example/hooks/github', secret: 's3cret' } },
    ]);
    await c.deleteRepositoryHook(77, 'acme/widgets', id);
    expect(github.hooks('acme/widgets')).toEqual([]);
    const refused = await c.createRepositoryHook(78, 'readonly-org/tool', { url: 'https://ci.example/hooks/github', secret: 'x' }).catch((e: unknown) => e);
    expect((refused as GithubRequestError).status).toBe(403);
    const missing = await c.createRepositoryHook(77, 'acme/unknown', { url: 'https://ci.example/hooks/github', secret: 'x' }).catch((e: unknown) => e);
    expect((missing as GithubRequestError).status).toBe(404);
  });
});
