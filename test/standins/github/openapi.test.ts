import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubAppClient } from '../../../apps/api/src/github/github-app.js';
import { makeAppIdentity, startStandinFor } from '../../api/github-fixtures.js';
import { checkRequestBody, checkResponse } from './openapi.js';
import type { GithubStandin } from './server.js';

const identity = makeAppIdentity();
let github: GithubStandin;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({
    id: 9,
    account: { login: 'acme', id: 100, type: 'Organization' },
    repositories: ['acme/widgets'],
    permissions: { metadata: 'read', checks: 'write', repository_hooks: 'write' },
  });
  github.addInstallation({ id: 10, account: { login: 'ro', id: 101, type: 'User' }, repositories: ['ro/x'], permissions: { metadata: 'read' } });
  github.addUser({ login: 'alice', id: 5, type: 'User' }, [9]);
});
afterAll(() => github.close());

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

  it('the validator does catch a wrong body', () => {
    expect(checkResponse('GET', '/app/installations/1', 200, { id: 'one' })?.length).toBeGreaterThan(0);
    expect(checkRequestBody('POST', '/repos/a/b/hooks', { config: { url: 'x' }, colour: 'red' })).toEqual([
      'POST /repos/{owner}/{repo}/hooks request: unexpected property "colour"',
    ]);
  });
});
