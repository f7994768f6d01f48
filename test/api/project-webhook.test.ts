/** GET /project/webhook: how GitHub reaches a project, and the last delivery that started a run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from './deliver.js';
import { localPush } from './webhook-examples.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi({ env: { PUBLIC_URL: 'https://ci.example.com' } });
});
afterAll(() => api?.close());

async function createProject(project: string, url: string): Promise<{ id: string; webhook_secret: string }> {
  const res = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'acme', project, url } });
  expect(res.statusCode).toBe(201);
  return res.json();
}
const webhookOf = async (id: string) => {
  const res = await api.app.inject({ method: 'GET', url: `/project/webhook?id=${id}`, headers: adminHeaders });
  expect(res.statusCode).toBe(200);
  return res.json() as Record<string, unknown> & { last_delivery: Record<string, unknown> | null };
};

describe('GET /project/webhook', () => {
  it('a file:// project: what to add by hand and why; then the last delivery that started a run (not a manual trigger)', async () => {
    const project = await createProject('local', 'file:///srv/git/local');
    expect(await webhookOf(project.id)).toEqual({
      status: 'manual',
      url: `https://ci.example.com/hooks/github/${project.id}`,
      content_type: 'json',
      events: ['push', 'pull_request'],
      hook_id: null,
      message: expect.stringMatching(/not a repository on the configured GitHub.*add the webhook by hand/),
      last_delivery: null,
    });

    const pushed = await deliver(api.app, { event: 'push', payload: localPush('file:///srv/git/local', { fullName: 'acme/local' }), secret: project.webhook_secret });
    expect(pushed.statusCode).toBe(202);
    const { workflow_id: workflowId } = pushed.json() as { workflow_id: string };
    const triggered = await api.app.inject({ method: 'POST', url: '/workflow/trigger', headers: adminHeaders, payload: { project_id: project.id, sha: 'd'.repeat(40) } });
    expect(triggered.statusCode).toBe(201);

    const { last_delivery: last } = await webhookOf(project.id);
    const stored = await api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    expect(last).toEqual({ received_at: stored.createdAt.toISOString(), event: 'push', workflow_id: workflowId, number: 1 });
  });

  it('a webhook FactoryCI created: its id', async () => {
    const project = await createProject('hosted', 'https://github.com/acme/hosted');
    await api.database.db.project.update({ where: { id: project.id }, data: { githubHookId: 9001n } });
    expect(await webhookOf(project.id)).toMatchObject({ status: 'created', hook_id: 9001, message: 'FactoryCI created the webhook on acme/hosted' });
  });

  it('an unknown project is a 404, a malformed id a 400', async () => {
    const missing = await api.app.inject({ method: 'GET', url: '/project/webhook?id=00000000-0000-0000-0000-000000000000', headers: adminHeaders });
    expect(missing.statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/project/webhook?id=nope', headers: adminHeaders })).statusCode).toBe(400);
  });
});
