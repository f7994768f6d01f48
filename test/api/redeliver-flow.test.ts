import { createGithubApp } from '@factoryci/github-app';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GithubRequestError } from '../../apps/api/src/github/github-app.js';
import { appHookDeliveries, AskedGuids, redeliverLostDeliveries, startRedelivery, type RedeliveryDeps } from '../../apps/api/src/github/redeliver.js';
import { checkResponse } from '../standins/github/openapi.js';
import type { GithubStandin } from '../standins/github/server.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';
import { adminHeaders, CLOSED_PORT, startApi, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const APP_SECRET = 'the-app-webhook-secret-for-redelivery';
const identity = makeAppIdentity();
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let github: GithubStandin;
let api: ApiHarness;
let hookUrl: string;
let deps: RedeliveryDeps;

beforeAll(async () => {
  github = await startStandinFor(identity);
  api = await startApi({ env: { GITHUB_APP_WEBHOOK_SECRET: APP_SECRET } });
  const created = await api.app.inject({
    method: 'POST',
    url: '/project',
    headers: adminHeaders,
    payload: { owner: 'Codertocat', project: 'Hello-World', url: 'https://github.com/Codertocat/Hello-World' },
  });
  expect(created.statusCode).toBe(201);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  hookUrl = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}/hooks/github`;
  const app = createGithubApp({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: github.url });
  deps = { github: appHookDeliveries(app.octokit), db: api.database.db, logger };
});
afterAll(async () => {
  await api?.close();
  await github?.close();
});

/** A push of the project's repository (GitHub's own payload), each with its own head commit. */
let pushes = 0;
const push = (fullName = 'Codertocat/Hello-World'): Record<string, unknown> => {
  const payload: Record<string, unknown> = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40), after: String(++pushes).padStart(40, 'c') };
  const repository = payload.repository as Record<string, unknown>;
  return fullName === 'Codertocat/Hello-World' ? payload : { ...payload, repository: { ...repository, id: 999_000 + pushes, full_name: fullName, name: fullName.split('/')[1] } };
};
const unreachable = () => github.setAppWebhook({ url: `http://127.0.0.1:${CLOSED_PORT}/hooks/github`, secret: APP_SECRET });
const reachable = () => github.setAppWebhook({ url: hookUrl, secret: APP_SECRET });
const workflowOf = (guid: string) => api.database.db.webhookDelivery.findUnique({ where: { id: guid }, include: { workflow: true } });

describe('recovering deliveries GitHub failed to make', () => {
  it('redelivers, once, what the API never accepted; a lost push becomes a workflow', async () => {
    unreachable();
    const lost = await github.sendAppWebhook('push', push());
    // GitHub saw no answer, but the API had committed it (its answer was lost): not redelivered.
    const answerLost = await github.sendAppWebhook('push', push());
    await api.database.db.webhookDelivery.create({ data: { id: answerLost.guid, event: 'push', status: 202 } });
    reachable();
    const delivered = await github.sendAppWebhook('push', push());
    const noProject = await github.sendAppWebhook('push', push('someone/else'));
    expect([lost.status_code, answerLost.status_code, delivered.status_code, noProject.status_code]).toEqual([0, 0, 202, 404]);
    expect(await workflowOf(lost.guid)).toBeNull();

    // Two a page: the pass pages through the cursor GitHub gives.
    const report = await redeliverLostDeliveries(deps, new AskedGuids(), { windowMs: 3_600_000, perPage: 2 });
    expect(report).toMatchObject({ listed: 4, pages: 2, redelivered: [lost.guid, noProject.guid], refused: [] });
    await github.deliveriesSettled();

    const row = await workflowOf(lost.guid);
    expect(row?.workflow).toMatchObject({ event: 'push', sha: String(1).padStart(40, 'c'), status: 'queued' });
    const attempts = github.appHookDeliveries.filter((d) => d.guid === lost.guid);
    expect(attempts.map((d) => [d.redelivery, d.status_code])).toEqual([
      [false, 0],
      [true, 202],
    ]);
    expect(attempts[1]?.id).not.toBe(attempts[0]?.id);
    // Still no project for it: GitHub lists a failed redelivery.
    expect(github.appHookDeliveries.filter((d) => d.guid === noProject.guid).map((d) => d.status_code)).toEqual([404, 404]);

    // A new process (nothing remembered) asks for nothing: GitHub's list shows the redeliveries.
    const again = await redeliverLostDeliveries(deps, new AskedGuids(), { windowMs: 3_600_000 });
    expect(again).toMatchObject({ listed: 6, pages: 1, redelivered: [] });
    expect(await api.database.db.workflow.count()).toBe(2); // the delivered push and the recovered one
  });

  it('the loop runs a pass at start and then every interval', async () => {
    unreachable();
    const first = await github.sendAppWebhook('push', push());
    reachable();
    const loop = startRedelivery(deps, { intervalMs: 200, windowMs: 3_600_000 });
    try {
      await waitUntil(async () => (await workflowOf(first.guid))?.workflow != null, 10_000);
      unreachable();
      const second = await github.sendAppWebhook('push', push());
      reachable();
      await waitUntil(async () => (await workflowOf(second.guid))?.workflow != null, 10_000);
    } finally {
      await loop.stop();
    }
    await github.deliveriesSettled();
    const redeliveries = github.appHookDeliveries.filter((d) => d.redelivery);
    expect(new Set(redeliveries.map((d) => d.guid)).size).toBe(redeliveries.length);
  });

  it('GitHub unreachable fails the pass (ask again later), with the typed error', async () => {
    const app = createGithubApp({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: `http://127.0.0.1:${CLOSED_PORT}` });
    const pass = redeliverLostDeliveries({ ...deps, github: appHookDeliveries(app.octokit) }, new AskedGuids(), { windowMs: 3_600_000 });
    await expect(pass).rejects.toBeInstanceOf(GithubRequestError);
    await expect(pass).rejects.toThrow(/listing the App's webhook deliveries failed/);
  });

  it("the stand-in's answers to the delivery routes match GitHub's OpenAPI description", async () => {
    const bad = await fetch(`${github.url}/app/hook/deliveries?cursor=v1_nope`, {
      headers: { authorization: `Bearer ${await jwt()}` },
    });
    expect(bad.status).toBe(400);
    const seen = github.requests.filter((r) => r.path.startsWith('/app/hook/deliveries'));
    expect(new Set(seen.map((r) => `${r.method} ${r.status}`))).toEqual(new Set(['GET 200', 'POST 202', 'GET 400']));
    expect(seen.flatMap((r) => checkResponse(r.method, r.path, r.status, r.response) ?? ['not in the description'])).toEqual([]);
  });
});

async function jwt(): Promise<string> {
  const app = createGithubApp({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: github.url });
  const auth = (await app.octokit.auth({ type: 'app' })) as { token: string };
  return auth.token;
}
