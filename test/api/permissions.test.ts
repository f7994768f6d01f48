/**
 * Every management route × every kind of caller: no credentials (401), the admin token, an admin user, a member of
 * the project's owner (admin role there), project members with the read, write and admin roles, and a stranger. What
 * one may not read is a 404 with the body of a missing one; what one may read but not change is a 403.
 */
import type { ProjectRole } from '@factoryci/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryPermissions } from '../../apps/api/src/auth/repository-permissions.js';
import { createWorkflow } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { createToken, createUser, signIn, type Session } from './people.js';

type Caller = 'nobody' | 'admin_token' | 'admin_user' | 'owner_member' | 'project_read' | 'project_write' | 'project_admin' | 'stranger';
const CALLERS: Caller[] = ['nobody', 'admin_token', 'admin_user', 'owner_member', 'project_read', 'project_write', 'project_admin', 'stranger'];

/** Who a route lets through: the role it needs on the project, or the kind of caller. */
type Level = 'any' | 'user' | 'read' | 'write' | 'admin' | 'administrator' | 'owner_read' | 'owner_write';

/** The answer each caller gets on a route of `level`: 'ok' (the route's own answer), or a status. */
function expected(level: Level, caller: Caller): 'ok' | 400 | 401 | 403 | 404 {
  if (caller === 'nobody') return 401;
  const administrator = caller === 'admin_token' || caller === 'admin_user';
  const projectRole: ProjectRole | null = administrator || caller === 'owner_member' || caller === 'project_admin' ? 'admin' : caller === 'project_write' ? 'write' : caller === 'project_read' ? 'read' : null;
  switch (level) {
    case 'any':
      return 'ok';
    case 'user':
      return caller === 'admin_token' ? 400 : 'ok';
    case 'administrator':
      return administrator ? 'ok' : 403;
    case 'owner_read':
      return projectRole ? 'ok' : 404;
    case 'owner_write':
      return administrator ? 'ok' : projectRole ? 403 : 404;
    case 'read':
      return projectRole ? 'ok' : 404;
    case 'write':
      return projectRole === 'write' || projectRole === 'admin' ? 'ok' : projectRole ? 403 : 404;
    case 'admin':
      return projectRole === 'admin' ? 'ok' : projectRole ? 403 : 404;
  }
}

/** GitHub's answers, as test data for the RepositoryPermissions interface: `${fullName} ${githubLogin}` → role. */
const githubRoles = new Map<string, ProjectRole>();
const githubAsked: { installationId: bigint; fullName: string; githubLogin: string }[] = [];
const repositoryPermissions: RepositoryPermissions = {
  roleOf: async (input) => {
    githubAsked.push(input);
    return githubRoles.get(`${input.fullName} ${input.githubLogin}`) ?? null;
  },
};

let api: ApiHarness;
let base: string;
let ownerId: string;
let projectId: string;
const headers = {} as Record<Caller, Record<string, string>>;
const users = {} as Record<'read' | 'write' | 'admin', string>;
let counter = 0;

async function addMembers(project: string): Promise<void> {
  for (const role of ['read', 'write', 'admin'] as const) {
    await api.database.db.projectMember.create({ data: { projectId: project, userId: users[role], role } });
  }
}

/** A project of owner acme with the three project members. */
async function createProject(): Promise<string> {
  const res = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'acme', project: `p${++counter}`, url: `file:///srv/git/p${counter}` } });
  if (res.statusCode !== 201) throw new Error(res.body);
  const id = (res.json() as { id: string }).id;
  await addMembers(id);
  return id;
}

const sessionHeaders = (session: Session) => session.headers;

beforeAll(async () => {
  api = await startApi({ repositoryPermissions });
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  await createUser(api, 'root', { admin: true });
  const olga = await createUser(api, 'olga');
  users.read = (await createUser(api, 'rita')).id;
  users.write = (await createUser(api, 'will')).id;
  users.admin = (await createUser(api, 'adam')).id;
  await createUser(api, 'sam');
  await createUser(api, 'extra');
  projectId = await createProject();
  ownerId = (await api.database.db.project.findUniqueOrThrow({ where: { id: projectId } })).ownerId;
  await api.database.db.ownerMember.create({ data: { ownerId, userId: olga.id, role: 'admin' } });
  // another owner's project, which only administrators see
  await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'globex', project: 'hidden', url: 'file:///srv/git/hidden' } });

  headers.nobody = {};
  headers.admin_token = adminHeaders;
  // sessions (with their CSRF token) for some, personal access tokens for others: both kinds are checked alike
  headers.admin_user = sessionHeaders(await signIn(api, 'root'));
  headers.owner_member = (await createToken(api, await signIn(api, 'olga'))).headers;
  headers.project_read = (await createToken(api, await signIn(api, 'rita'))).headers;
  headers.project_write = (await createToken(api, await signIn(api, 'will'))).headers;
  headers.project_admin = sessionHeaders(await signIn(api, 'adam'));
  headers.stranger = (await createToken(api, await signIn(api, 'sam'))).headers;
}, 120_000);
afterAll(() => api?.close());

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: object;
}

interface RouteCase {
  route: string;
  level: Level;
  /** The status of the route's own answer. */
  ok: number;
  /** The request (made afresh for each caller: its setup may create what it changes). */
  request: (caller: Caller) => Promise<Request> | Request;
  /** The message of the 404 a missing resource gets (what a caller who may not read it must see too). */
  missing?: (request: Request) => string;
  /** A Server-Sent Events stream: asked over HTTP and closed once the status is known. */
  stream?: boolean;
}

const LOGINS: Partial<Record<Caller, string>> = { admin_user: 'root', owner_member: 'olga', project_read: 'rita', project_write: 'will', project_admin: 'adam', stranger: 'sam' };

/** A token of the caller's own (of user extra for callers without a user), made directly. */
async function tokenOf(caller: Caller): Promise<string> {
  const user = await api.database.db.user.findUniqueOrThrow({ where: { login: LOGINS[caller] ?? 'extra' } });
  const n = ++counter;
  return (await api.database.db.apiToken.create({ data: { userId: user.id, name: 'doomed', tokenHash: String(n).padStart(64, '0'), prefix: 'fci_x' } })).id;
}

const idOf = (url: string, name = 'id') => new URL(url, 'http://x').searchParams.get(name) ?? '';
const noProject = (r: Request) => `no project ${idOf(r.url)}`;
const noWorkflow = (r: Request) => `no workflow ${idOf(r.url)}`;

async function workflowIn(status: 'running' | 'awaiting_approval' | 'success'): Promise<string> {
  return (await createWorkflow(api.database.db, projectId, { status, trusted: status !== 'awaiting_approval' })).id;
}

async function executionIn(workflowId: string): Promise<string> {
  const { db } = api.database;
  const pipeline = await db.pipeline.create({ data: { workflowId, name: 'build', position: 0, dependsOn: [] } });
  const stage = await db.stage.create({ data: { pipelineId: pipeline.id, name: 'test', position: 0 } });
  return (await db.execution.create({ data: { stageId: stage.id, name: 'unit', position: 0, command: 'true' } })).id;
}

const ROUTES: RouteCase[] = [
  { route: 'GET /me', level: 'any', ok: 200, request: () => ({ method: 'GET', url: '/me' }) },
  { route: 'GET /user/tokens', level: 'user', ok: 200, request: () => ({ method: 'GET', url: '/user/tokens' }) },
  { route: 'POST /user/tokens', level: 'user', ok: 201, request: () => ({ method: 'POST', url: '/user/tokens', payload: { name: 'table' } }) },
  { route: 'DELETE /user/token', level: 'user', ok: 204, request: async (caller) => ({ method: 'DELETE', url: `/user/token?id=${await tokenOf(caller)}` }) },
  { route: 'GET /users', level: 'administrator', ok: 200, request: () => ({ method: 'GET', url: '/users' }) },
  { route: 'POST /users', level: 'administrator', ok: 201, request: () => ({ method: 'POST', url: '/users', payload: { login: `u${++counter}`, password: 'a long enough password' } }) },
  {
    route: 'PUT /user',
    level: 'administrator',
    ok: 200,
    request: async () => ({ method: 'PUT', url: `/user?id=${(await api.database.db.user.findUniqueOrThrow({ where: { login: 'extra' } })).id}`, payload: { name: 'Extra' } }),
  },
  {
    route: 'DELETE /user',
    level: 'administrator',
    ok: 204,
    request: async () => ({ method: 'DELETE', url: `/user?id=${(await api.database.db.user.create({ data: { login: `gone${++counter}` } })).id}` }),
  },
  { route: 'GET /owners', level: 'any', ok: 200, request: () => ({ method: 'GET', url: '/owners' }) },
  { route: 'GET /owner', level: 'owner_read', ok: 200, request: () => ({ method: 'GET', url: `/owner?id=${ownerId}` }), missing: (r) => `no owner ${idOf(r.url)}` },
  { route: 'POST /owner', level: 'administrator', ok: 201, request: () => ({ method: 'POST', url: '/owner', payload: { name: `o${++counter}` } }) },
  { route: 'PUT /owner', level: 'owner_write', ok: 200, request: () => ({ method: 'PUT', url: `/owner?id=${ownerId}`, payload: { name: 'acme' } }), missing: (r) => `no owner ${idOf(r.url)}` },
  // it still has projects: an administrator passes the permission check and gets the route's 409
  { route: 'DELETE /owner', level: 'owner_write', ok: 409, request: () => ({ method: 'DELETE', url: `/owner?id=${ownerId}` }), missing: (r) => `no owner ${idOf(r.url)}` },
  { route: 'GET /owner/members', level: 'owner_write', ok: 200, request: () => ({ method: 'GET', url: `/owner/members?id=${ownerId}` }), missing: (r) => `no owner ${idOf(r.url)}` },
  {
    route: 'PUT /owner/member',
    level: 'owner_write',
    ok: 200,
    request: () => ({ method: 'PUT', url: `/owner/member?id=${ownerId}`, payload: { user_login: 'extra', role: 'read' } }),
    missing: (r) => `no owner ${idOf(r.url)}`,
  },
  {
    route: 'DELETE /owner/member',
    level: 'owner_write',
    ok: 204,
    request: async () => {
      const extra = await api.database.db.user.findUniqueOrThrow({ where: { login: 'extra' } });
      await api.database.db.ownerMember.upsert({ where: { ownerId_userId: { ownerId, userId: extra.id } }, create: { ownerId, userId: extra.id, role: 'read' }, update: {} });
      return { method: 'DELETE', url: `/owner/member?id=${ownerId}&user_login=extra` };
    },
    missing: (r) => `no owner ${idOf(r.url)}`,
  },
  { route: 'GET /projects', level: 'any', ok: 200, request: () => ({ method: 'GET', url: '/projects' }) },
  { route: 'GET /project', level: 'read', ok: 200, request: () => ({ method: 'GET', url: `/project?id=${projectId}` }), missing: noProject },
  { route: 'GET /project/permissions', level: 'read', ok: 200, request: () => ({ method: 'GET', url: `/project/permissions?id=${projectId}` }), missing: noProject },
  {
    route: 'POST /project',
    level: 'administrator',
    ok: 201,
    request: () => ({ method: 'POST', url: '/project', payload: { owner: 'acme', project: `new${++counter}`, url: `file:///srv/git/new${counter}` } }),
  },
  { route: 'PUT /project', level: 'admin', ok: 200, request: () => ({ method: 'PUT', url: `/project?id=${projectId}`, payload: { max_concurrent_runs: 3 } }), missing: noProject },
  { route: 'DELETE /project', level: 'admin', ok: 204, request: async () => ({ method: 'DELETE', url: `/project?id=${await createProject()}` }), missing: noProject },
  { route: 'GET /project/webhook', level: 'read', ok: 200, request: () => ({ method: 'GET', url: `/project/webhook?id=${projectId}` }), missing: noProject },
  { route: 'GET /project/schedules', level: 'read', ok: 200, request: () => ({ method: 'GET', url: `/project/schedules?id=${projectId}` }), missing: noProject },
  { route: 'GET /project/secrets', level: 'admin', ok: 200, request: () => ({ method: 'GET', url: `/project/secrets?id=${projectId}` }), missing: noProject },
  { route: 'PUT /project/secret', level: 'admin', ok: 200, request: () => ({ method: 'PUT', url: `/project/secret?id=${projectId}&name=TOKEN`, payload: { value: 'value' } }), missing: noProject },
  {
    route: 'DELETE /project/secret',
    level: 'admin',
    ok: 204,
    request: async () => {
      await api.database.db.projectSecret.upsert({
        where: { projectId_name: { projectId, name: 'GONE' } },
        create: { projectId, name: 'GONE', valueEncrypted: 'x' },
        update: {},
      });
      return { method: 'DELETE', url: `/project/secret?id=${projectId}&name=GONE` };
    },
    missing: noProject,
  },
  { route: 'GET /project/members', level: 'admin', ok: 200, request: () => ({ method: 'GET', url: `/project/members?id=${projectId}` }), missing: noProject },
  { route: 'PUT /project/member', level: 'admin', ok: 200, request: () => ({ method: 'PUT', url: `/project/member?id=${projectId}`, payload: { user_login: 'extra', role: 'read' } }), missing: noProject },
  {
    route: 'DELETE /project/member',
    level: 'admin',
    ok: 204,
    request: async () => {
      const extra = await api.database.db.user.findUniqueOrThrow({ where: { login: 'extra' } });
      await api.database.db.projectMember.upsert({ where: { projectId_userId: { projectId, userId: extra.id } }, create: { projectId, userId: extra.id, role: 'read' }, update: {} });
      return { method: 'DELETE', url: `/project/member?id=${projectId}&user_login=extra` };
    },
    missing: noProject,
  },
  { route: 'GET /workflows', level: 'read', ok: 200, request: () => ({ method: 'GET', url: `/workflows?project=${projectId}` }), missing: (r) => `no project ${idOf(r.url, 'project')}` },
  { route: 'GET /workflow', level: 'read', ok: 200, request: async () => ({ method: 'GET', url: `/workflow?id=${await workflowIn('running')}` }), missing: noWorkflow },
  { route: 'POST /workflow/cancel', level: 'write', ok: 200, request: async () => ({ method: 'POST', url: `/workflow/cancel?id=${await workflowIn('running')}` }), missing: noWorkflow },
  {
    route: 'POST /workflow/approve',
    level: 'write',
    ok: 200,
    request: async () => ({ method: 'POST', url: `/workflow/approve?id=${await workflowIn('awaiting_approval')}` }),
    missing: noWorkflow,
  },
  {
    route: 'POST /workflow/trigger',
    level: 'write',
    ok: 201,
    request: () => ({ method: 'POST', url: '/workflow/trigger', payload: { project_id: projectId, sha: 'c'.repeat(40), inputs: { TARGET: 'x' } } }),
    missing: () => `no project ${projectId}`,
  },
  { route: 'POST /workflow/rerun', level: 'write', ok: 201, request: async () => ({ method: 'POST', url: `/workflow/rerun?id=${await workflowIn('success')}` }), missing: noWorkflow },
  {
    route: 'GET /execution/log',
    level: 'read',
    ok: 200,
    request: async () => ({ method: 'GET', url: `/execution/log?id=${await executionIn(await workflowIn('running'))}` }),
    missing: (r) => `no execution ${idOf(r.url)}`,
  },
  { route: 'GET /workflow/events', level: 'read', ok: 200, stream: true, request: async () => ({ method: 'GET', url: `/workflow/events?id=${await workflowIn('running')}` }), missing: noWorkflow },
  { route: 'GET /project/events', level: 'read', ok: 200, stream: true, request: () => ({ method: 'GET', url: `/project/events?id=${projectId}` }), missing: noProject },
];

/** Status and JSON body of a request as `caller`. */
async function call(routeCase: RouteCase, request: Request, caller: Caller): Promise<{ status: number; body: unknown }> {
  if (routeCase.stream) {
    const abort = new AbortController();
    const res = await fetch(`${base}${request.url}`, { headers: headers[caller], signal: abort.signal });
    const body = res.status === 200 ? null : ((await res.json()) as unknown);
    abort.abort();
    return { status: res.status, body };
  }
  const res = await api.app.inject({ method: request.method, url: request.url, headers: headers[caller], payload: request.payload });
  return { status: res.statusCode, body: res.body === '' || res.headers['content-type']?.toString().startsWith('text/plain') ? null : (res.json() as unknown) };
}

describe('every management route × every caller', () => {
  it('covers every management route the app has (POST /auth/logout: sign-in.test.ts)', async () => {
    const open = ['/healthz', '/metrics', '/auth/login', '/auth/methods', '/auth/github', '/github/', '/hooks/', '/agent/'];
    const spec = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    const managed = routes.filter((r) => !open.some((prefix) => r.split(' ')[1]!.startsWith(prefix)));
    expect(managed.filter((r) => r !== 'POST /auth/logout').sort()).toEqual(ROUTES.map((r) => r.route).sort());
  });

  for (const routeCase of ROUTES) {
    it(routeCase.route, async () => {
      const seen: string[] = [];
      const wanted: string[] = [];
      for (const caller of CALLERS) {
        const request = await routeCase.request(caller);
        const { status, body } = await call(routeCase, request, caller);
        const expectation = expected(routeCase.level, caller);
        seen.push(`${caller}: ${status}`);
        wanted.push(`${caller}: ${expectation === 'ok' ? routeCase.ok : expectation}`);
        if (expectation === 404 && status === 404) {
          // the very answer a missing one gets: nothing tells that it exists
          expect(body, `${routeCase.route} as ${caller}`).toEqual({ error: 'not_found', message: routeCase.missing!(request) });
        }
        if (expectation === 403 && status === 403) expect(body, `${routeCase.route} as ${caller}`).toMatchObject({ error: 'forbidden' });
      }
      expect(seen).toEqual(wanted);
    }, 120_000);
  }
});

const names = async (url: string, caller: Caller) =>
  ((await api.app.inject({ method: 'GET', url, headers: headers[caller] })).json() as { name?: string; project?: string }[]).map((x) => x.project ?? x.name);

describe('GET /project/permissions', () => {
  it("says each caller's role and exactly the actions it allows", async () => {
    const permissions = async (caller: Caller) => (await api.app.inject({ method: 'GET', url: `/project/permissions?id=${projectId}`, headers: headers[caller] })).json();
    const all = ['read', 'cancel', 'rerun', 'approve', 'trigger', 'configure', 'delete', 'manage_secrets', 'manage_members'];
    expect(await permissions('project_read')).toEqual({ role: 'read', actions: ['read'] });
    expect(await permissions('project_write')).toEqual({ role: 'write', actions: ['read', 'cancel', 'rerun', 'approve', 'trigger'] });
    expect(await permissions('project_admin')).toEqual({ role: 'admin', actions: all });
    expect(await permissions('owner_member')).toEqual({ role: 'admin', actions: all });
    expect(await permissions('admin_token')).toEqual({ role: 'admin', actions: all });
  });
});

describe('lists show what the caller may read', () => {
  it('GET /projects and GET /owners', async () => {
    expect(await names('/projects', 'stranger')).toEqual([]);
    expect(await names('/owners', 'stranger')).toEqual([]);
    expect(await names('/projects?owner=globex', 'admin_user')).toEqual(['hidden']);
    expect(await names('/projects?owner=globex', 'owner_member')).toEqual([]);
    expect(await names('/owners', 'project_read')).toEqual(['acme']);
    const readable = await names('/projects', 'project_read');
    expect(readable).toContain('p1');
    expect(readable).not.toContain('hidden');
    // the owner's member reads every project of acme, the project member only those they are members of
    const ofOwner = await names('/projects?owner=acme&limit=200', 'owner_member');
    expect(ofOwner.length).toBeGreaterThan(readable.length);
    expect(await names('/projects?limit=1&offset=1', 'owner_member')).toEqual([ofOwner[1]]);
  });
});

describe('members', () => {
  it('a role given on a project or an owner opens it; taken back, it is a 404 again', async () => {
    await createUser(api, 'newcomer');
    const newcomer = (await createToken(api, await signIn(api, 'newcomer'))).headers;
    const globex = (await api.database.db.owner.findUniqueOrThrow({ where: { name: 'globex' } })).id;
    const hidden = (await api.database.db.project.findFirstOrThrow({ where: { name: 'hidden' } })).id;
    const read = () => api.app.inject({ method: 'GET', url: `/project?id=${hidden}`, headers: newcomer });
    const admin = (method: 'PUT' | 'DELETE', url: string, payload?: object) => api.app.inject({ method, url, headers: headers.admin_user, payload });
    expect((await read()).statusCode).toBe(404);

    const setOwner = await admin('PUT', `/owner/member?id=${globex}`, { user_login: 'newcomer', role: 'read' });
    expect(setOwner.json()).toMatchObject({ user_login: 'newcomer', role: 'read' });
    expect((await read()).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: `/owner?id=${globex}`, headers: newcomer })).statusCode).toBe(200);
    expect((await admin('DELETE', `/owner/member?id=${globex}&user_login=newcomer`)).statusCode).toBe(204);
    expect((await read()).statusCode).toBe(404);

    expect((await admin('PUT', `/project/member?id=${hidden}`, { user_login: 'newcomer', role: 'write' })).statusCode).toBe(200);
    const members = await api.app.inject({ method: 'GET', url: `/project/members?id=${hidden}`, headers: adminHeaders });
    expect(members.json()).toEqual({ members: [{ user_id: expect.any(String), user_login: 'newcomer', name: null, role: 'write', created_at: expect.any(String) }] });
    expect((await read()).statusCode).toBe(200);
    expect((await admin('DELETE', `/project/member?id=${hidden}&user_login=newcomer`)).statusCode).toBe(204);
    expect((await read()).statusCode).toBe(404);
    expect((await admin('DELETE', `/project/member?id=${hidden}&user_login=newcomer`)).statusCode).toBe(404);
    expect((await admin('PUT', `/project/member?id=${hidden}`, { user_login: 'nobody-here', role: 'read' })).statusCode).toBe(404);
    expect((await admin('PUT', `/project/member?id=${hidden}`, { user_login: 'newcomer', role: 'owner' })).statusCode).toBe(400);
  });
});

describe('roles GitHub says (RepositoryPermissions)', () => {
  it('count for a GitHub project of an installation and a user with a GitHub login: the highest role wins', async () => {
    const { db } = api.database;
    await db.installation.create({ data: { id: 77n, accountLogin: 'octo-org', accountId: 9n, accountType: 'Organization' } });
    const project = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'octo-org', project: 'widgets', url: 'https://github.com/octo-org/widgets' } });
    const id = (project.json() as { id: string }).id;
    await db.project.update({ where: { id }, data: { installationId: 77n } });
    const octo = await createUser(api, 'octo', { githubLogin: 'octocat' });
    await createUser(api, 'nogit');
    const octoHeaders = (await createToken(api, await signIn(api, 'octo'))).headers;
    const nogitHeaders = (await createToken(api, await signIn(api, 'nogit'))).headers;
    const get = (h: Record<string, string>) => api.app.inject({ method: 'GET', url: `/project?id=${id}`, headers: h });
    const configure = (h: Record<string, string>) => api.app.inject({ method: 'PUT', url: `/project?id=${id}`, headers: h, payload: { max_concurrent_runs: 2 } });

    expect((await get(octoHeaders)).statusCode).toBe(404);
    githubRoles.set('octo-org/widgets octocat', 'write');
    expect((await get(octoHeaders)).statusCode).toBe(200);
    expect(githubAsked).toContainEqual({ installationId: 77n, fullName: 'octo-org/widgets', githubLogin: 'octocat' });
    expect((await configure(octoHeaders)).statusCode).toBe(403);
    const workflow = (await createWorkflow(db, id, { status: 'running' })).id;
    const cancelled = await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${workflow}`, headers: octoHeaders });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelled_by: 'user:octo', status_reason: 'cancelled by user:octo' });
    expect((await names('/projects?owner=octo-org', 'stranger'))).toEqual([]);
    expect((await api.app.inject({ method: 'GET', url: '/projects?owner=octo-org', headers: octoHeaders })).json()).toMatchObject([{ project: 'widgets' }]);

    // a project membership above GitHub's role wins; one below does not lower it
    await db.projectMember.create({ data: { projectId: id, userId: octo.id, role: 'admin' } });
    expect((await configure(octoHeaders)).statusCode).toBe(200);
    await db.projectMember.update({ where: { projectId_userId: { projectId: id, userId: octo.id } }, data: { role: 'read' } });
    expect((await configure(octoHeaders)).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${workflow}`, headers: octoHeaders })).statusCode).toBe(201);

    // without a GitHub login GitHub is not asked
    const asked = githubAsked.length;
    expect((await get(nogitHeaders)).statusCode).toBe(404);
    expect(githubAsked.length).toBe(asked);
  });
});

describe('who did what', () => {
  it('cancel, approve and re-run record the caller as user:<login> or admin, shown in the workflow JSON', async () => {
    const approved = await workflowIn('awaiting_approval');
    const byWill = await api.app.inject({ method: 'POST', url: `/workflow/approve?id=${approved}`, headers: headers.project_write });
    expect(byWill.json()).toMatchObject({ approved_by: 'user:will', requested_by: null, cancelled_by: null });
    const rerun = await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${await workflowIn('success')}`, headers: headers.project_admin });
    expect(rerun.json()).toMatchObject({ requested_by: 'user:adam', rerun_of: expect.any(String) });
    const cancelled = await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${approved}`, headers: adminHeaders });
    expect(cancelled.json()).toMatchObject({ cancelled_by: 'admin', approved_by: 'user:will', status_reason: 'cancelled by admin' });
    const tree = await api.app.inject({ method: 'GET', url: `/workflow?id=${approved}`, headers: headers.project_read });
    expect(tree.json()).toMatchObject({ approved_by: 'user:will', cancelled_by: 'admin' });
  });
});
