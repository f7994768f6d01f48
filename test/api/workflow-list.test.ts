import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from './deliver.js';
import { adminHeaders, createHelloWorldProject, startApi, type ApiHarness } from './harness.js';
import { createUser, signIn } from './people.js';
import { exampleOf } from './webhook-examples.js';

/** GET /workflows' filters, the commit's message and author on each workflow, and GET /projects' latest_workflow. */
let api: ApiHarness;
let secret: string;
let projectId: string;

type Listed = { id: string; number: number; branch: string | null; event: string; status: string; commit_message: string | null; commit_author: string | null; pr_number: number | null };

beforeAll(async () => {
  api = await startApi();
  ({ id: projectId, webhook_secret: secret } = await createHelloWorldProject(api));
});
afterAll(() => api?.close());

const push = (branch: string, message: string, author: Record<string, string>) => {
  const payload = exampleOf('push', (p) => p.ref === 'refs/heads/master');
  payload.ref = `refs/heads/${branch}`;
  payload.head_commit = { ...(payload.head_commit as object), message, author };
  return payload;
};
const pullRequest = () => exampleOf('pull_request', (p) => p.action === 'opened');

async function delivered(event: string, payload: Record<string, unknown>): Promise<string> {
  const res = await deliver(api.app, { event, payload, secret });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { workflow_id: string }).workflow_id;
}

const list = async (query: string): Promise<Listed[]> => {
  const res = await api.app.inject({ method: 'GET', url: `/workflows?project=${projectId}&${query}`, headers: adminHeaders });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Listed[];
};
const numbers = (workflows: Listed[]) => workflows.map((w) => w.number);

describe('the commit of each workflow', () => {
  it("push: the head commit's message and its author's username (else name); a re-run copies both", async () => {
    const long = `Fix the build\n\n${'é'.repeat(2000)}`;
    const id = await delivered('push', push('main', long, { name: 'Mona Lisa', username: 'octocat' }));
    const [listed] = await list('limit=1');
    expect(listed).toMatchObject({ id, commit_message: long.slice(0, 1000), commit_author: 'octocat' });

    const byName = await delivered('push', push('main', 'Second', { name: 'Mona Lisa' }));
    const shown = await api.app.inject({ method: 'GET', url: `/workflow?id=${byName}`, headers: adminHeaders });
    expect(shown.json()).toMatchObject({ commit_message: 'Second', commit_author: 'Mona Lisa' });

    await api.database.db.workflow.update({ where: { id }, data: { status: 'failure' } });
    const rerun = await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${id}`, headers: adminHeaders });
    expect(rerun.statusCode, rerun.body).toBe(201);
    expect(rerun.json()).toMatchObject({ rerun_of: id, commit_message: long.slice(0, 1000), commit_author: 'octocat' });
  });

  it("pull_request: the pull request's title and author", async () => {
    const id = await delivered('pull_request', pullRequest());
    const shown = await api.app.inject({ method: 'GET', url: `/workflow?id=${id}`, headers: adminHeaders });
    expect(shown.json()).toMatchObject({ event: 'pull_request', commit_message: 'Update the README with new information.', commit_author: 'Codertocat' });
  });
});

describe('GET /workflows filters', () => {
  let all: Listed[];
  beforeAll(async () => {
    await api.database.db.workflow.deleteMany({ where: { projectId } });
    // newest last: main push, feature push, PR into master, main push
    const ids = [
      await delivered('push', push('main', 'one', { username: 'a' })),
      await delivered('push', push('feature/x', 'two', { username: 'b' })),
      await delivered('pull_request', pullRequest()),
      await delivered('push', push('main', 'four', { username: 'c' })),
    ];
    await api.database.db.workflow.update({ where: { id: ids[0] }, data: { status: 'success' } });
    await api.database.db.workflow.update({ where: { id: ids[1] }, data: { status: 'failure' } });
    await api.database.db.workflow.update({ where: { id: ids[3] }, data: { status: 'success' } });
    all = await list('');
  });

  it('without filters: all of them, newest first', () => {
    expect(all.map((w) => [w.branch, w.event, w.status])).toEqual([
      ['main', 'push', 'success'],
      ['master', 'pull_request', 'queued'],
      ['feature/x', 'push', 'failure'],
      ['main', 'push', 'success'],
    ]);
  });

  it('each filter alone', async () => {
    const [n4, n3, n2, n1] = numbers(all);
    expect(numbers(await list('branch=main'))).toEqual([n4, n1]);
    expect(numbers(await list('branch=feature%2Fx'))).toEqual([n2]);
    expect(numbers(await list('event=pull_request'))).toEqual([n3]);
    expect(numbers(await list('status=success'))).toEqual([n4, n1]);
    expect(await list('branch=nope')).toEqual([]);
  });

  it('combined, and with limit and offset', async () => {
    const [n4, , n2, n1] = numbers(all);
    expect(numbers(await list('branch=main&event=push&status=success'))).toEqual([n4, n1]);
    expect(numbers(await list('branch=main&status=success&limit=1&offset=1'))).toEqual([n1]);
    expect(numbers(await list('event=push&status=failure'))).toEqual([n2]);
    expect(await list('branch=feature%2Fx&status=success')).toEqual([]);
  });

  it.each([
    ['an unknown event', 'event=deploy', 'querystring/event must be equal to one of the allowed values'],
    ['an unknown status', 'status=done', 'querystring/status must be equal to one of the allowed values'],
    ['an empty branch', 'branch=', 'querystring/branch must NOT have fewer than 1 characters'],
    ['a branch over 255 characters', `branch=${'b'.repeat(256)}`, 'querystring/branch must NOT have more than 255 characters'],
    ['an unknown filter', 'author=x', 'querystring must NOT have additional properties'],
  ])('400 for %s', async (_, query, message) => {
    const res = await api.app.inject({ method: 'GET', url: `/workflows?project=${projectId}&${query}`, headers: adminHeaders });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message });
  });
});

describe('GET /projects: each project with its latest workflow', () => {
  it('the newest (by number) or null; only the projects the caller may read', async () => {
    const other = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'acme', project: 'empty', url: 'file:///srv/git/empty' } });
    expect(other.statusCode).toBe(201);
    const otherId = (other.json() as { id: string }).id;
    const newest = await api.database.db.workflow.findFirstOrThrow({ where: { projectId }, orderBy: { number: 'desc' } });

    const res = await api.app.inject({ method: 'GET', url: '/projects', headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    const projects = res.json() as { id: string; latest_workflow: Listed | null }[];
    expect(projects.find((p) => p.id === projectId)?.latest_workflow).toMatchObject({ id: newest.id, number: newest.number, status: newest.status, commit_message: 'four' });
    expect(projects.find((p) => p.id === otherId)?.latest_workflow).toBeNull();

    await createUser(api, 'reader');
    const member = await api.app.inject({ method: 'PUT', url: `/project/member?id=${projectId}`, headers: adminHeaders, payload: { user_login: 'reader', role: 'read' } });
    expect(member.statusCode, member.body).toBe(200);
    const session = await signIn(api, 'reader');
    const theirs = await api.app.inject({ method: 'GET', url: '/projects', headers: { cookie: session.cookie } });
    expect((theirs.json() as { id: string; latest_workflow: { id: string } | null }[]).map((p) => [p.id, p.latest_workflow?.id])).toEqual([[projectId, newest.id]]);
  });
});
