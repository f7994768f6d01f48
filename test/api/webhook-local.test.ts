/**
 * Deliveries for a project whose repository is on the runner's machine (URL = absolute path or file://): no GitHub
 * identity, so the project is found by the payload's `repository.clone_url` / `url`, and only its own secret signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from './deliver.js';
import { localPush } from './webhook-examples.js';
import { adminHeaders, startApi, waitUntil, type ApiHarness } from './harness.js';

const APP_SECRET = 'the-github-app-webhook-secret';
let api: ApiHarness;

interface Created {
  id: string;
  webhook_secret: string;
}

async function createProject(project: string, url: string): Promise<Created> {
  const res = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'local', project, url } });
  expect(res.statusCode).toBe(201);
  return res.json() as Created;
}

const counts = async () => ({
  deliveries: await api.database.db.webhookDelivery.count(),
  workflows: await api.database.db.workflow.count(),
});

let byFileUrl: Created;
let byPath: Created;

beforeAll(async () => {
  api = await startApi({ env: { GITHUB_APP_WEBHOOK_SECRET: APP_SECRET } });
  byFileUrl = await createProject('widgets', 'file:///srv/git/widgets');
  byPath = await createProject('gadgets', '/srv/git/gadgets.git/');
});
afterAll(() => api?.close());

describe('POST /hooks/github for a repository on this machine', () => {
  it('finds the project by the payload\'s clone_url and queues a workflow signed with its secret', async () => {
    const delivery = crypto.randomUUID();
    const res = await deliver(api.app, { event: 'push', payload: localPush('file:///srv/git/widgets'), secret: byFileUrl.webhook_secret, delivery });
    expect(res.statusCode).toBe(202);
    const body = res.json() as { workflow_id: string; queued: boolean };
    expect(body.queued).toBe(true);
    const workflow = await api.database.db.workflow.findUniqueOrThrow({ where: { id: body.workflow_id } });
    expect(workflow).toMatchObject({ projectId: byFileUrl.id, event: 'push', branch: 'main', sha: 'c'.repeat(40), status: 'queued', changedPaths: ['src/app.js'] });
    expect(await api.database.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery } })).toMatchObject({ projectId: byFileUrl.id, status: 202 });
    await waitUntil(async () => (await api.jobs.getJob(body.workflow_id)) !== undefined, 5000);
    expect((await api.jobs.getJob(body.workflow_id))?.data).toEqual({ workflowId: body.workflow_id });
  });

  it('matches other spellings of the same location: path vs file://, trailing slash, .git', async () => {
    for (const [location, project] of [
      ['/srv/git/widgets/', byFileUrl],
      ['file://localhost/srv/git/widgets.git', byFileUrl],
      ['file:///srv/git/gadgets', byPath],
      ['/srv/git/gadgets/.git', byPath],
    ] as const) {
      const res = await deliver(api.app, { event: 'push', payload: localPush(location), secret: project.webhook_secret });
      expect(res.statusCode, location).toBe(202);
      const workflow = await api.database.db.workflow.findUniqueOrThrow({ where: { id: (res.json() as { workflow_id: string }).workflow_id } });
      expect(workflow.projectId, location).toBe(project.id);
    }
  });

  it('404 and nothing written when no project has that location', async () => {
    const before = await counts();
    for (const location of ['file:///srv/git/unknown', '/srv/git/widgets-other', '/srv/git']) {
      const res = await deliver(api.app, { event: 'push', payload: localPush(location), secret: byFileUrl.webhook_secret });
      expect(res.statusCode, location).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
    }
    expect(await counts()).toEqual(before);
  });

  it('401 and nothing written when signed with another project\'s secret, the App\'s secret, or not at all', async () => {
    const before = await counts();
    for (const secret of [byPath.webhook_secret, APP_SECRET, 'not-the-secret', undefined]) {
      const res = await deliver(api.app, { event: 'push', payload: localPush('file:///srv/git/widgets'), ...(secret === undefined ? {} : { secret }) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect(await counts()).toEqual(before);
  });

  it('a project with a GitHub identity is still found by it first, never by a location', async () => {
    const github = await createProject('hello', 'https://github.com/acme/hello');
    // the GitHub project's full name wins; the local project's secret does not sign for it
    const wrong = await deliver(api.app, { event: 'push', payload: localPush('file:///srv/git/widgets', { fullName: 'acme/hello' }), secret: byFileUrl.webhook_secret });
    expect(wrong.statusCode).toBe(401);
    const right = await deliver(api.app, { event: 'push', payload: localPush('file:///srv/git/widgets', { fullName: 'acme/hello' }), secret: github.webhook_secret });
    expect(right.statusCode).toBe(202);
    const workflow = await api.database.db.workflow.findUniqueOrThrow({ where: { id: (right.json() as { workflow_id: string }).workflow_id } });
    expect(workflow.projectId).toBe(github.id);
    // a GitHub project's URL is not a location a local payload can name
    const byUrl = await deliver(api.app, { event: 'push', payload: localPush('https://github.com/acme/hello', { fullName: 'local/hello' }), secret: github.webhook_secret });
    expect(byUrl.statusCode).toBe(401);
  });
});
