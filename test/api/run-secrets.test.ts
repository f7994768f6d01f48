import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, createWorkflow, declaringPlan } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const putSecret = (id: string, name: string, value: unknown) =>
  api.app.inject({ method: 'PUT', url: `/project/secret?id=${id}&name=${name}`, headers: adminHeaders, payload: { value } });
const listSecrets = (id: string) => api.app.inject({ method: 'GET', url: `/project/secrets?id=${id}`, headers: adminHeaders });
const runOf = async (headers: Record<string, string>) => (await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers })).json();
const secretsOf = async (headers: Record<string, string>) => (await api.app.inject({ method: 'GET', url: '/agent/v1/secrets', headers })).json();
const putPlan = (headers: Record<string, string>) => api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: declaringPlan });

describe('run secrets', () => {
  it('are set, replaced, listed by name only, encrypted at rest and deleted', async () => {
    const { projectId } = await createRun(api);
    const first = await putSecret(projectId, 'NPM_TOKEN', 'npm-secret-value-1');
    expect(first.statusCode).toBe(200);
    expect(Object.keys(first.json()).sort()).toEqual(['created_at', 'name', 'updated_at']);
    expect((await putSecret(projectId, 'NPM_TOKEN', 'npm-secret-value-2')).statusCode).toBe(200);
    expect((await putSecret(projectId, 'AWS_KEY', 'aws-secret-value')).statusCode).toBe(200);

    const list = await listSecrets(projectId);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((s: { name: string }) => s.name)).toEqual(['AWS_KEY', 'NPM_TOKEN']);
    expect(list.body).not.toContain('secret-value');

    const rows = await api.database.db.projectSecret.findMany({ where: { projectId } });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.valueEncrypted).toMatch(/^v1:/);
      expect(row.valueEncrypted).not.toContain('secret-value');
    }
    // Nothing else shows them either.
    const project = await api.app.inject({ method: 'GET', url: `/project?id=${projectId}`, headers: adminHeaders });
    expect(project.body).not.toContain('secret-value');

    const del = await api.app.inject({ method: 'DELETE', url: `/project/secret?id=${projectId}&name=AWS_KEY`, headers: adminHeaders });
    expect(del.statusCode).toBe(204);
    expect((await api.app.inject({ method: 'DELETE', url: `/project/secret?id=${projectId}&name=AWS_KEY`, headers: adminHeaders })).statusCode).toBe(404);
    expect((await listSecrets(projectId)).json().map((s: { name: string }) => s.name)).toEqual(['NPM_TOKEN']);
  });

  it('reject bad names, empty values, unknown projects and callers without the admin token', async () => {
    const { projectId, headers } = await createRun(api);
    expect((await putSecret(projectId, 'npm-token', 'x')).statusCode).toBe(400);
    expect((await putSecret(projectId, 'NPM_TOKEN', '')).statusCode).toBe(400);
    expect((await putSecret(randomUUID(), 'NPM_TOKEN', 'a-valid-value')).statusCode).toBe(404);
    expect((await listSecrets(randomUUID())).statusCode).toBe(404);
    const asRun = await api.app.inject({ method: 'GET', url: `/project/secrets?id=${projectId}`, headers });
    expect(asRun.statusCode).toBe(401);
  });

  // Before: GET /agent/v1/run answered every secret of the project to any run (the hole of issue 9). Now it answers
  // none, and GET /agent/v1/secrets only those the recorded plan declares, in pipelines that may receive them.
  it('are given to trusted runs, and to untrusted runs only for the pipelines the project allows, as the plan declares them', async () => {
    const trusted = await createRun(api);
    await putSecret(trusted.projectId, 'DEPLOY_TOKEN', 'deploy-secret-value');
    await putSecret(trusted.projectId, 'NPM_TOKEN', 'npm-secret-value');
    await putSecret(trusted.projectId, 'UNDECLARED', 'undeclared-secret-value');
    const info = await runOf(trusted.headers);
    expect(info.forkSecretPipelines).toBeNull();
    expect(JSON.stringify(info)).not.toContain('secret-value');
    expect(await secretsOf(trusted.headers)).toEqual({ secrets: {} }); // no plan recorded yet
    expect((await putPlan(trusted.headers)).statusCode).toBe(200);
    expect(await secretsOf(trusted.headers)).toEqual({ secrets: { DEPLOY_TOKEN: 'deploy-secret-value', NPM_TOKEN: 'npm-secret-value' } });

    const fork = await createWorkflow(api.database.db, trusted.projectId, { trusted: false });
    const forkHeaders = { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), fork.id, 600)}` };
    const untrusted = await runOf(forkHeaders);
    expect(untrusted.forkSecretPipelines).toEqual([]);
    expect(JSON.stringify(untrusted)).not.toContain('secret-value');
    expect((await putPlan(forkHeaders)).statusCode).toBe(200);
    const none = await secretsOf(forkHeaders);
    expect(none.secrets).toEqual({});
    expect(JSON.stringify(none)).not.toContain('deploy-secret-value');

    const allowed = await api.app.inject({ method: 'PUT', url: `/project?id=${trusted.projectId}`, headers: adminHeaders, payload: { fork_secret_pipelines: ['deploy'] } });
    expect(allowed.statusCode).toBe(200);
    expect(await runOf(forkHeaders)).toMatchObject({ forkSecretPipelines: ['deploy'] });
    expect(await secretsOf(forkHeaders)).toEqual({ secrets: { DEPLOY_TOKEN: 'deploy-secret-value' } });
  });

  it('go with their project', async () => {
    const { projectId } = await createRun(api);
    await putSecret(projectId, 'GONE', 'gone-value');
    expect((await api.app.inject({ method: 'DELETE', url: `/project?id=${projectId}`, headers: adminHeaders })).statusCode).toBe(204);
    expect(await api.database.db.projectSecret.count({ where: { projectId } })).toBe(0);
  });
});
