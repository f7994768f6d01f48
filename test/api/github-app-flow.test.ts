import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubAppClient } from '../../apps/api/src/github/github-app.js';
import type { GithubStandin } from '../standins/github/server.js';
import { deliver } from './deliver.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({
    id: 31,
    account: { login: 'acme', id: 7001, type: 'Organization' },
    repositories: ['acme/widgets', 'acme/locked'],
    permissions: { metadata: 'read', contents: 'read', checks: 'write', repository_hooks: 'write' },
  });
  github.addInstallation({
    id: 32,
    account: { login: 'bolt', id: 7002, type: 'Organization' },
    repositories: ['bolt/nuts'],
    permissions: { metadata: 'read', contents: 'read' },
  });
  github.addUser({ login: 'alice', id: 501, type: 'User' }, [31, 32]);
  github.addUser({ login: 'eve', id: 666, type: 'User' }, []);
  api = await startApi({
    env: { PUBLIC_URL: 'https://ci.example.com/', GITHUB_URL: 'https://github.com' },
    github: createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.com' }),
  });
});
afterAll(async () => {
  await api.close();
  await github.close();
});

const setup = (query: string) => api.app.inject({ method: 'GET', url: `/github/setup?${query}` });
const createProject = (owner: string, project: string, url: string) =>
  api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner, project, url } });

describe('GitHub App install flow', () => {
  it('/github/install redirects to the App\'s installation page', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/github/install' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://github.com/apps/factoryci-test/installations/new');
  });

  it('/github/setup identifies the user by OAuth, checks their access, records installation, owner and repositories', async () => {
    const res = await setup(`installation_id=31&setup_action=install&code=${github.issueOAuthCode('alice')}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      installation: { id: 31, account: 'acme', repositories: ['acme/widgets', 'acme/locked'] },
      owner: { name: 'acme', github_login: 'acme', github_id: 7001, github_type: 'Organization' },
    });
    const row = await api.database.db.installation.findUniqueOrThrow({ where: { id: 31n }, include: { repositories: true } });
    expect(row.repositories.map((r) => r.fullName).sort()).toEqual(['acme/locked', 'acme/widgets']);
    // The calls GitHub saw: code exchange, user, the user's installations, an App JWT for the token, the repositories.
    const paths = github.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining(['POST /login/oauth/access_token', 'GET /user', 'GET /user/installations', 'POST /app/installations/31/access_tokens', 'GET /installation/repositories']),
    );
  });

  it('refuses a user who cannot access the installation, and a code GitHub did not issue', async () => {
    const eve = await setup(`installation_id=31&setup_action=install&code=${github.issueOAuthCode('eve')}`);
    expect(eve.statusCode).toBe(403);
    expect(eve.json().message).toMatch(/eve cannot access installation 31/);
    expect((await setup('installation_id=31&setup_action=install&code=forged')).statusCode).toBe(401);
    expect((await setup('installation_id=31&setup_action=install')).statusCode).toBe(400);
    expect((await setup('setup_action=request')).statusCode).toBe(200);
  });

  it('links an existing owner of the same name instead of creating another', async () => {
    await api.app.inject({ method: 'POST', url: '/owner', headers: adminHeaders, payload: { name: 'bolt' } });
    const res = await setup(`installation_id=32&setup_action=install&code=${github.issueOAuthCode('alice')}`);
    expect(res.statusCode).toBe(200);
    expect(await api.database.db.owner.count({ where: { name: 'bolt' } })).toBe(1);
    expect(await api.database.db.owner.findUniqueOrThrow({ where: { name: 'bolt' } })).toMatchObject({ githubId: 7002n });
  });
});

describe('projects of installed repositories', () => {
  it('creating a project creates its repository webhook with the generated secret', async () => {
    const res = await createProject('acme', 'widgets', 'https://github.com/acme/widgets');
    expect(res.statusCode).toBe(201);
    const body = res.json() as { id: string; installation_id: number; github_hook_id: number; webhook_secret: string; webhook: Record<string, unknown> };
    expect(body.installation_id).toBe(31);
    expect(body.webhook).toMatchObject({ status: 'created', url: `https://ci.example.com/hooks/github/${body.id}`, content_type: 'json' });
    const hooks = github.hooks('acme/widgets');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      id: body.github_hook_id,
      events: ['push', 'pull_request'],
      config: { url: `https://ci.example.com/hooks/github/${body.id}`, content_type: 'json', secret: body.webhook_secret, insecure_ssl: '0' },
    });
    // The hook's deliveries verify with that secret.
    const payload = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), repository: { ...(exampleOf('push').repository as object), full_name: 'acme/widgets' } };
    expect((await deliver(api.app, { event: 'push', payload, secret: hooks[0]!.config.secret! })).statusCode).toBe(202);

    // Deleting the project removes the hook it created.
    expect((await api.app.inject({ method: 'DELETE', url: `/project?id=${body.id}`, headers: adminHeaders })).statusCode).toBe(204);
    expect(github.hooks('acme/widgets')).toEqual([]);
  });

  it('a new secret given with PUT is set on the webhook FactoryCI created', async () => {
    const created = (await createProject('acme', 'locked', 'https://github.com/acme/locked')).json() as { id: string; webhook: { status: string } };
    expect(created.webhook.status).toBe('created');
    const rotated = 'a-rotated-secret-0123456789abcdef';
    const res = await api.app.inject({ method: 'PUT', url: `/project?id=${created.id}`, headers: adminHeaders, payload: { webhook_secret: rotated } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ webhook: { status: 'updated' } });
    expect(github.hooks('acme/locked')[0]?.config.secret).toBe(rotated);
    const payload = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), repository: { id: 1, full_name: 'acme/locked' } };
    expect((await deliver(api.app, { event: 'push', payload, secret: rotated })).statusCode).toBe(202);
    // Other changes leave the webhook alone.
    const renamed = await api.app.inject({ method: 'PUT', url: `/project?id=${created.id}`, headers: adminHeaders, payload: { max_concurrent_runs: 3 } });
    expect(renamed.json()).not.toHaveProperty('webhook');
  });

  it('without the Webhooks permission the project is still created and the answer says to add the hook by hand', async () => {
    const res = await createProject('bolt', 'nuts', 'https://github.com/bolt/nuts');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ installation_id: 32, github_hook_id: null, webhook: { status: 'manual', hook_id: null } });
    expect(res.json().webhook.message).toMatch(/403.*Webhooks.*by hand/s);
    expect(github.hooks('bolt/nuts')).toEqual([]);
  });

  it('a repository outside every installation gets the manual instructions', async () => {
    const res = await createProject('acme', 'elsewhere', 'https://github.com/acme/elsewhere');
    expect(res.statusCode).toBe(201);
    expect(res.json().webhook).toMatchObject({ status: 'manual', url: `https://ci.example.com/hooks/github/${res.json().id as string}` });
    expect(res.json().webhook.message).toMatch(/not installed on acme\/elsewhere/);
  });
});

describe('without the GitHub App configured', () => {
  it('the App routes answer 501 with what to set', async () => {
    await api.rebuild({ github: null });
    try {
      const res = await api.app.inject({ method: 'GET', url: '/github/install' });
      expect(res.statusCode).toBe(501);
      expect(res.json().message).toMatch(/GITHUB_APP_ID/);
      expect((await setup('installation_id=1&setup_action=install&code=x')).statusCode).toBe(501);
    } finally {
      await api.rebuild({ github: createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.com' }) });
    }
  });
});
