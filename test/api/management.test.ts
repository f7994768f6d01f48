import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = adminHeaders) =>
  api.app.inject({ method, url, payload: payload as object, headers });

describe('admin authentication', () => {
  it('requires the bearer admin token on management routes', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic abc' }]) {
      const res = await inject('GET', '/owners', undefined, headers as typeof adminHeaders);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await inject('GET', '/owners')).statusCode).toBe(200);
  });

  it('leaves /healthz, /metrics and /docs/json open', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    const docs = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const spec = docs.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toBe('3.1.0');
    for (const path of ['/project', '/projects', '/owner', '/owners', '/workflows', '/workflow', '/hooks/github', '/healthz', '/metrics', '/github/setup']) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(Object.keys(spec.paths['/project'] ?? {}).sort()).toEqual(['delete', 'get', 'post', 'put']);
  });
});

describe('owners', () => {
  it('create, read, rename, list, delete', async () => {
    const created = await inject('POST', '/owner', { name: 'globex' });
    expect(created.statusCode).toBe(201);
    const owner = created.json() as { id: string; name: string };
    expect(owner).toMatchObject({ name: 'globex', github_login: null });
    expect((await inject('GET', `/owner?id=${owner.id}`)).json()).toMatchObject({ id: owner.id, name: 'globex' });
    const renamed = await inject('PUT', `/owner?id=${owner.id}`, { name: 'globex-corp' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'globex-corp' });
    const list = (await inject('GET', '/owners')).json() as { name: string }[];
    expect(list.map((o) => o.name)).toContain('globex-corp');
    expect((await inject('DELETE', `/owner?id=${owner.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/owner?id=${owner.id}`)).statusCode).toBe(404);
  });

  it('409 on a duplicate name, 404 on an unknown id, 400 on a bad body or id', async () => {
    await inject('POST', '/owner', { name: 'initech' });
    expect((await inject('POST', '/owner', { name: 'initech' })).statusCode).toBe(409);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await inject('GET', `/owner?id=${unknown}`)).statusCode).toBe(404);
    expect((await inject('PUT', `/owner?id=${unknown}`, { name: 'x' })).statusCode).toBe(404);
    expect((await inject('DELETE', `/owner?id=${unknown}`)).statusCode).toBe(404);
    const badId = await inject('GET', '/owner?id=nope');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toMatch(/id/);
    const missing = await inject('POST', '/owner', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/name/) });
    expect((await inject('POST', '/owner', { name: 'has space' })).statusCode).toBe(400);
    expect((await inject('POST', '/owner', { name: 'ok', extra: 1 })).statusCode).toBe(400);
  });

  it('refuses to delete an owner that has projects', async () => {
    const project = await inject('POST', '/project', { owner: 'umbrella', project: 'app', url: 'https://git.example/umbrella/app.git' });
    const ownerId = (project.json() as { owner: { id: string } }).owner.id;
    const res = await inject('DELETE', `/owner?id=${ownerId}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/project/);
  });
});

describe('projects', () => {
  it('POST creates the owner when new, generates a secret shown once, and stores it encrypted', async () => {
    const res = await inject('POST', '/project', { owner: 'acme', project: 'widgets', url: 'https://github.com/acme/widgets' });
    expect(res.statusCode).toBe(201);
    const body = res.json() as Record<string, unknown> & { id: string; webhook_secret: string; webhook: { status: string; message: string } };
    expect(body).toMatchObject({
      owner: { name: 'acme' },
      project: 'widgets',
      url: 'https://github.com/acme/widgets',
      github_full_name: 'acme/widgets',
      installation_id: null,
      default_branch: 'main',
      fork_policy: 'no_secrets',
    });
    expect(body.webhook_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(body.webhook).toMatchObject({ status: 'manual', url: null, content_type: 'json', events: ['push', 'pull_request'] });
    expect(body.webhook.message).toMatch(/PUBLIC_URL/);

    // Never again through a GET or a list.
    const got = await inject('GET', `/project?id=${body.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.body).not.toContain(body.webhook_secret);
    expect(got.json()).not.toHaveProperty('webhook_secret');
    expect((await inject('GET', '/projects')).body).not.toContain(body.webhook_secret);

    // At rest: the raw column holds ciphertext only.
    const rows = await api.database.db.$queryRawUnsafe<{ webhook_secret_encrypted: string }[]>(
      'SELECT webhook_secret_encrypted FROM projects WHERE id = ?',
      body.id,
    );
    expect(rows[0]?.webhook_secret_encrypted).toMatch(/^v1:/);
    expect(rows[0]?.webhook_secret_encrypted).not.toContain(body.webhook_secret);
  });

  it('concurrent creations under one new owner all succeed and make one owner', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => inject('POST', '/project', { owner: 'burst', project: `p${i}`, url: `https://github.com/burst/p${i}` })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await api.database.db.owner.count({ where: { name: 'burst' } })).toBe(1);
  });

  it('uses a given webhook secret and settings', async () => {
    const res = await inject('POST', '/project', {
      owner: 'acme',
      project: 'gears',
      url: 'git@github.com:acme/gears.git',
      webhook_secret: 'a-given-secret-of-enough-length',
      default_branch: 'trunk',
      fork_policy: 'approval',
      fork_secret_pipelines: ['lint'],
      max_cpu: '500m',
      max_memory: '1Gi',
      max_concurrent_runs: 4,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      github_full_name: 'acme/gears',
      webhook_secret: 'a-given-secret-of-enough-length',
      default_branch: 'trunk',
      fork_policy: 'approval',
      fork_secret_pipelines: ['lint'],
      max_cpu: '500m',
      max_memory: '1Gi',
      max_concurrent_runs: 4,
    });
  });

  it('409 for a duplicate owner/project or a repository another project has; 400 for bad bodies', async () => {
    await inject('POST', '/project', { owner: 'dup', project: 'one', url: 'https://github.com/dup/one' });
    const again = await inject('POST', '/project', { owner: 'dup', project: 'one', url: 'https://github.com/dup/other' });
    expect(again.statusCode).toBe(409);
    const sameRepo = await inject('POST', '/project', { owner: 'dup', project: 'two', url: 'https://github.com/dup/one.git' });
    expect(sameRepo.statusCode).toBe(409);
    expect(sameRepo.json().message).toMatch(/dup\/one/);
    for (const bad of [
      { project: 'x', url: 'https://github.com/a/b' },
      { owner: 'a', project: 'x', url: 'ftp://nope' },
      { owner: 'a', project: 'x', url: 'https://github.com/a/b', webhook_secret: 'short' },
      { owner: 'a', project: 'x', url: 'https://github.com/a/b', fork_policy: 'always' },
      { owner: 'a', project: 'x', url: 'https://github.com/a/b', unknown: true },
    ]) {
      const res = await inject('POST', '/project', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error).toBe('bad_request');
    }
    const notJson = await api.app.inject({ method: 'POST', url: '/project', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '{nope' });
    expect(notJson.statusCode).toBe(400);
  });

  it('PUT changes name, URL (and the repository it follows), secret and settings; 404/409/400', async () => {
    const created = (await inject('POST', '/project', { owner: 'put', project: 'before', url: 'https://github.com/put/before' })).json() as { id: string };
    const res = await inject('PUT', `/project?id=${created.id}`, { project: 'after', url: 'https://github.com/put/after', max_concurrent_runs: 7, webhook_secret: 'rotated-secret-0123456789' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ project: 'after', github_full_name: 'put/after', max_concurrent_runs: 7 });
    expect(res.json()).not.toHaveProperty('webhook_secret');
    await inject('POST', '/project', { owner: 'put', project: 'taken', url: 'https://github.com/put/taken' });
    expect((await inject('PUT', `/project?id=${created.id}`, { project: 'taken' })).statusCode).toBe(409);
    expect((await inject('PUT', `/project?id=${created.id}`, { url: 'https://github.com/put/taken' })).statusCode).toBe(409);
    expect((await inject('PUT', '/project?id=00000000-0000-4000-8000-000000000000', { project: 'x' })).statusCode).toBe(404);
    expect((await inject('PUT', `/project?id=${created.id}`, {})).statusCode).toBe(400);
    expect((await inject('PUT', `/project?id=${created.id}`, { owner: 'other' })).statusCode).toBe(400);
  });

  it('lists projects (all or of one owner) and deletes them', async () => {
    const created = (await inject('POST', '/project', { owner: 'lister', project: 'p1', url: 'https://github.com/lister/p1' })).json() as { id: string };
    await inject('POST', '/project', { owner: 'lister', project: 'p2', url: 'https://github.com/lister/p2' });
    const mine = (await inject('GET', '/projects?owner=lister')).json() as { project: string }[];
    expect(mine.map((p) => p.project)).toEqual(['p1', 'p2']);
    expect(((await inject('GET', '/projects?owner=lister&limit=1&offset=1')).json() as unknown[]).length).toBe(1);
    expect((await inject('GET', '/projects?limit=0')).statusCode).toBe(400);
    expect((await inject('DELETE', `/project?id=${created.id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/project?id=${created.id}`)).statusCode).toBe(404);
    expect((await inject('DELETE', `/project?id=${created.id}`)).statusCode).toBe(404);
  });

  it('workflows of an unknown project or an unknown workflow are 404', async () => {
    expect((await inject('GET', '/workflows?project=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await inject('GET', '/workflow?id=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await inject('GET', '/workflows')).statusCode).toBe(400);
  });

  it('unknown routes are 404 JSON', async () => {
    const res = await inject('GET', '/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });
});
