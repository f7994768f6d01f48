import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubAppClient } from '../../../apps/api/src/github/github-app.js';
import { makeAppIdentity, startStandinFor } from '../../api/github-fixtures.js';
import { createGitRepo, type GitRepo } from '../../orchestrator/git-repo.js';
import { checkRequestBody, checkResponse } from './openapi.js';
import type { GithubStandin } from './server.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let repo: GitRepo;
let sha: string;

beforeAll(async () => {
  github = await startStandinFor(identity);
  repo = createGitRepo();
  sha = repo.commit({ '.factory/runner.hcl': 'runner {\n  image = "node:22"\n}\n' });
  github.addRepository('acme/widgets', { gitDir: repo.path });
  github.addInstallation({
    id: 9,
    account: { login: 'acme', id: 100, type: 'Organization' },
    repositories: ['acme/widgets'],
    permissions: { metadata: 'read', checks: 'write', repository_hooks: 'write', contents: 'read' },
  });
  github.addInstallation({ id: 10, account: { login: 'ro', id: 101, type: 'User' }, repositories: ['ro/x'], permissions: { metadata: 'read' } });
  github.addUser({ login: 'alice', id: 5, type: 'User' }, [9]);
});
afterAll(async () => {
  await github.close();
  repo.remove();
});

describe('the GitHub stand-in against GitHub\'s OpenAPI description', () => {
  it('every request our client sends and every answer the stand-in gives match the documented schemas', async () => {
    const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.com' });
    const { token } = await client.identifyUser(github.issueOAuthCode('alice'));
    await client.userInstallations(token);
    await client.installation(9);
    await client.installationRepositories(9);
    const hookId = await client.createRepositoryHook(9, 'acme/widgets', { url: 'https://ci.example/hooks/github', secret: 'x' });
    await client.updateRepositoryHookSecret(9, 'acme/widgets', hookId, 'rotated');
    await client.deleteRepositoryHook(9, 'acme/widgets', hookId);
    // Failures: not in the installation, no permission, unknown installation, bad JWT.
    await client.createRepositoryHook(9, 'acme/other', { url: 'https://ci.example/hooks/github', secret: 'x' }).catch(() => undefined);
    await client.createRepositoryHook(10, 'ro/x', { url: 'https://ci.example/hooks/github', secret: 'x' }).catch(() => undefined);
    await client.installation(404).catch(() => undefined);

    // Check runs, as the next issue will create and update them.
    const app = new App({ appId: identity.config.appId, privateKey: identity.config.privateKey, Octokit: Octokit.defaults({ baseUrl: github.url }) });
    const octokit = await app.getInstallationOctokit(9);
    const created = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: 'acme',
      repo: 'widgets',
      name: 'factoryci',
      head_sha: 'a'.repeat(40),
      status: 'in_progress',
      external_id: 'wf-1',
      details_url: 'https://ci.example/workflow?id=1',
    });
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner: 'acme',
      repo: 'widgets',
      check_run_id: created.data.id,
      conclusion: 'success',
      output: { title: 'passed', summary: 'all pipelines passed' },
    });
    expect(github.checkRuns[0]).toMatchObject({ name: 'factoryci', status: 'completed', conclusion: 'success' });

    // Contents at a commit, from the git repository on disk (how the orchestrator reads .factory/).
    const listing = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: 'acme', repo: 'widgets', path: '.factory', ref: sha });
    expect(listing.data).toMatchObject([{ type: 'file', name: 'runner.hcl', path: '.factory/runner.hcl' }]);
    const file = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: 'acme', repo: 'widgets', path: '.factory/runner.hcl', ref: sha });
    expect(Buffer.from((file.data as { content: string }).content, 'base64').toString()).toBe('runner {\n  image = "node:22"\n}\n');
    await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: 'acme', repo: 'widgets', path: 'missing', ref: sha }).catch(() => undefined);
    await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: 'acme', repo: 'widgets', path: '.factory', ref: 'f'.repeat(40) }).catch(() => undefined);

    let checked = 0;
    const problems: string[] = [];
    for (const r of github.requests) {
      const response = checkResponse(r.method, r.path, r.status, r.response);
      if (response === null) continue; // OAuth web flow: not part of the REST description
      checked++;
      problems.push(...response);
      if (r.method !== 'GET' && r.method !== 'DELETE') problems.push(...(checkRequestBody(r.method, r.path, r.body) ?? []));
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(12);
    expect(new Set(github.requests.map((r) => r.status))).toEqual(new Set([200, 201, 204, 403, 404]));
  });

  it("the App's webhook deliveries: listing pages by cursor, redelivering (App JWT), answers as documented", async () => {
    const app = new App({ appId: identity.config.appId, privateKey: identity.config.privateKey, Octokit: Octokit.defaults({ baseUrl: github.url }) });
    github.setAppWebhook({ url: 'http://127.0.0.1:1/hooks/github', secret: 's' }); // nothing listens: deliveries fail
    const first = await github.sendAppWebhook('ping', { zen: 'Design for failure.', hook_id: 1 });
    await github.sendAppWebhook('installation', { action: 'created', installation: { id: 9 } });
    expect(first).toMatchObject({ redelivery: false, status_code: 0, event: 'ping', action: null, installation_id: null });
    const page1 = await app.octokit.request('GET /app/hook/deliveries', { per_page: 1 });
    expect(page1.data.map((d) => d.event)).toEqual(['installation']);
    const cursor = new URL(/<([^>]+)>; rel="next"/.exec(page1.headers.link ?? '')?.[1] ?? 'http://x').searchParams.get('cursor') ?? '';
    const page2 = await app.octokit.request('GET /app/hook/deliveries', { per_page: 1, cursor });
    expect(page2.data.map((d) => d.guid)).toEqual([first.guid]);
    expect(page2.headers.link).toBeUndefined();
    await app.octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: first.id });
    await github.deliveriesSettled();
    expect(github.appHookDeliveries.filter((d) => d.guid === first.guid).map((d) => d.redelivery)).toEqual([false, true]);
    const failed = await app.octokit.request('GET /app/hook/deliveries', { status: 'failure' });
    expect(failed.data).toEqual([]); // "failure" is 400–599: no answer at all is neither
    await fetch(`${github.url}/app/hook/deliveries`).catch(() => undefined); // no JWT: 401

    const seen = github.requests.filter((r) => r.path.startsWith('/app/hook/'));
    expect(seen.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'GET 200', 'POST 202', 'GET 200', 'GET 401']);
    const problems = seen
      .filter((r) => r.status !== 401) // the description documents no 401 for these routes
      .flatMap((r) => [...(checkResponse(r.method, r.path, r.status, r.response) ?? ['undocumented']), ...(r.method === 'POST' ? (checkRequestBody(r.method, r.path, r.body) ?? ['undocumented']) : [])]);
    expect(problems).toEqual([]);
  });

  it('sign-in and permissions: the user, their installations, org memberships, repository permissions, as documented', async () => {
    const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url });
    github.addRepository('acme/secret', { private: true });
    github.addInstallation({ id: 11, account: { login: 'acme', id: 100, type: 'Organization' }, repositories: ['acme/widgets', 'acme/secret'], permissions: { metadata: 'read' } });
    github.addUser({ login: 'bob', id: 6, type: 'User' }, [11], { name: null });
    github.setOrgMembership('acme', 'bob', { role: 'admin' });
    github.setOrgMembership('acme', 'alice', { role: 'member', state: 'pending' });
    for (const role of ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const) github.setRepositoryPermission('acme/widgets', `u-${role}`, role);
    for (const role of ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const) github.addUser({ login: `u-${role}`, id: 700 + role.length, type: 'User' }, []);
    const from = github.requests.length;

    const { user, name, token } = await client.identifyUser(github.issueOAuthCode('bob'));
    expect({ user, name }).toEqual({ user: { login: 'bob', id: 6, type: 'User' }, name: null });
    expect((await client.userInstallations(token)).map((i) => i.id)).toEqual([11]);
    expect(await client.userOrgMembership(token, 'acme')).toEqual({ role: 'admin', state: 'active' });
    expect(await client.userOrgMembership(token, 'elsewhere')).toBeNull();
    const aliceToken = (await client.identifyUser(github.issueOAuthCode('alice'))).token;
    expect(await client.userOrgMembership(aliceToken, 'acme')).toEqual({ role: 'member', state: 'pending' });

    const asked = [];
    for (const role of ['admin', 'maintain', 'write', 'triage', 'read', 'none']) asked.push(await client.collaboratorPermission(11, 'acme/widgets', `u-${role}`));
    expect(asked).toEqual([
      { permission: 'admin', roleName: 'admin' },
      { permission: 'write', roleName: 'maintain' },
      { permission: 'write', roleName: 'write' },
      { permission: 'read', roleName: 'triage' },
      { permission: 'read', roleName: 'read' },
      { permission: 'none', roleName: 'none' },
    ]);
    // Nothing granted: a public repository is readable by anyone, a private one is not; an unknown user is a 404.
    expect(await client.collaboratorPermission(11, 'acme/widgets', 'bob')).toEqual({ permission: 'read', roleName: 'read' });
    expect(await client.collaboratorPermission(11, 'acme/secret', 'bob')).toEqual({ permission: 'none', roleName: 'none' });
    expect(await client.collaboratorPermission(11, 'acme/widgets', 'nobody')).toBeNull();
    // Outside the installation: 404 too; an unknown installation is an error, not an answer.
    expect(await client.collaboratorPermission(11, 'acme/other', 'bob')).toBeNull();
    await expect(client.collaboratorPermission(404, 'acme/widgets', 'bob')).rejects.toMatchObject({ status: 404 });

    const seen = github.requests.slice(from);
    const problems: string[] = [];
    let checked = 0;
    for (const r of seen) {
      const response = checkResponse(r.method, r.path, r.status, r.response);
      if (response === null) continue; // OAuth web flow: not part of the REST description
      checked++;
      problems.push(...response);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(16);
    expect(seen.filter((r) => /\/permission$|\/memberships\//.test(r.path)).map((r) => r.status)).toEqual([200, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 404]);
  });

  it('the authorisation page: signs the chosen user in and redirects with a code (once) and the state', async () => {
    const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url });
    const authorize = (query: Record<string, string>) =>
      fetch(`${github.url}/login/oauth/authorize?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
    const ours = { client_id: identity.config.clientId, redirect_uri: 'https://ci.example/auth/github/callback', state: 'st-1' };

    github.signInBrowserAs(null);
    const signInPage = await authorize(ours);
    expect([signInPage.status, await signInPage.text()]).toEqual([200, expect.stringContaining('Sign in to GitHub')]);
    expect((await authorize({ ...ours, client_id: 'Iv1.someone-else' })).status).toBe(404);

    github.signInBrowserAs('alice');
    const res = await authorize(ours);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(ours.redirect_uri);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') ?? '';
    // Exchanged with another redirect_uri: refused; then with the right one: once.
    await expect(client.identifyUser(code, 'https://elsewhere.example/cb')).rejects.toMatchObject({ message: expect.stringMatching(/redirect_uri/) });
    expect((await client.identifyUser(code, ours.redirect_uri)).user.login).toBe('alice');
    await expect(client.identifyUser(code, ours.redirect_uri)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/bad_verification_code/) });

    github.signInBrowserAs('alice', { authorizes: false });
    const denied = new URL((await authorize(ours)).headers.get('location') ?? '');
    expect([denied.searchParams.get('error'), denied.searchParams.get('state'), denied.searchParams.get('code')]).toEqual(['access_denied', 'st-1', null]);

    github.setCallbackUrls(['https://ci.example/auth/github/callback']);
    github.signInBrowserAs('alice');
    const mismatch = new URL((await authorize({ ...ours, redirect_uri: 'https://evil.example/cb' })).headers.get('location') ?? '');
    expect([mismatch.origin, mismatch.searchParams.get('error'), mismatch.searchParams.get('code')]).toEqual(['https://ci.example', 'redirect_uri_mismatch', null]);
    expect((await authorize(ours)).headers.get('location')).toMatch(/^https:\/\/ci\.example\/auth\/github\/callback\?code=/);
  });

  it('an outage answers 503 to everything', async () => {
    const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url });
    github.setOutage(true);
    try {
      await expect(client.installation(9)).rejects.toMatchObject({ status: 503 });
    } finally {
      github.setOutage(false);
    }
    expect((await client.installation(9)).id).toBe(9);
  });

  it('the validator does catch a wrong body', () => {
    expect(checkResponse('GET', '/app/installations/1', 200, { id: 'one' })?.length).toBeGreaterThan(0);
    expect(checkRequestBody('POST', '/repos/a/b/hooks', { config: { url: 'x' }, colour: 'red' })).toEqual([
      'POST /repos/{owner}/{repo}/hooks request: unexpected property "colour"',
    ]);
  });
});
