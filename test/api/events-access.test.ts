/**
 * An events stream lets its caller read only as long as a new request would: removing a member, revoking a token,
 * signing out or disabling the user ends the caller's open streams (within the recheck interval, short here), and
 * the reconnect is answered with why. Streams of callers who keep their access go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, type RunFixture } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { createToken, createUser, signIn, type Session } from './people.js';
import { openSseClient, type SseClient, type SseMessage } from './sse-client.js';

let api: ApiHarness;
let base: string;
const RECHECK_MS = 150;

beforeAll(async () => {
  api = await startApi({ events: { keepAliveMs: 10_000, rereadMs: 10_000, accessRecheckMs: RECHECK_MS } });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await api?.close();
});

const has = (event: string) => (events: SseMessage[]) => events.some((e) => e.event === event);
const setRole = (run: RunFixture, login: string, role: string) =>
  api.app.inject({ method: 'PUT', url: `/project/member?id=${run.projectId}`, headers: adminHeaders, payload: { user_login: login, role } });

/** A reader of a fresh run's project, with a token and a session of her own. */
async function reader(login: string): Promise<{ run: RunFixture; token: { id: string; headers: { authorization: string } }; session: Session }> {
  const run = await createRun(api, { status: 'running' });
  await createUser(api, login);
  expect((await setRole(run, login, 'read')).statusCode).toBe(200);
  const session = await signIn(api, login);
  return { run, token: await createToken(api, session), session };
}

/** Opens a stream and waits for its snapshot. */
async function follow(path: string, headers: Record<string, string>): Promise<SseClient> {
  const client = await openSseClient(`${base}${path}`, headers);
  expect(client.status).toBe(200);
  await client.until(has('snapshot'));
  return client;
}

/** Whether the stream is still open after several rechecks. */
async function stillOpen(client: SseClient): Promise<boolean> {
  const closed = await Promise.race([client.closed.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), RECHECK_MS * 5))]);
  return !closed;
}

describe('an events stream whose caller loses access', () => {
  it('ends when the member is removed from the project, and the reconnect is refused', async () => {
    const { run, token } = await reader('ella');
    const workflow = await follow(`/workflow/events?id=${run.workflowId}`, token.headers);
    const project = await follow(`/project/events?id=${run.projectId}`, token.headers);
    expect(await stillOpen(workflow)).toBe(true);

    const removed = await api.app.inject({ method: 'DELETE', url: `/project/member?id=${run.projectId}&user_login=ella`, headers: adminHeaders });
    expect(removed.statusCode).toBe(204);
    await Promise.all([workflow.closed, project.closed]);
    expect(workflow.events.some((e) => e.event === 'end')).toBe(false); // closed, not a run's end

    const again = await openSseClient(`${base}/workflow/events?id=${run.workflowId}`, token.headers);
    expect([403, 404]).toContain(again.status);
  });

  it('ends when the token it was opened with is revoked; the same user\'s session stream goes on', async () => {
    const { run, token, session } = await reader('tom');
    const byToken = await follow(`/workflow/events?id=${run.workflowId}`, token.headers);
    const bySession = await follow(`/workflow/events?id=${run.workflowId}`, { cookie: session.cookie });
    const revoked = await api.app.inject({ method: 'DELETE', url: `/user/token?id=${token.id}`, headers: session.headers });
    expect(revoked.statusCode).toBe(204);
    await byToken.closed;
    expect(await stillOpen(bySession)).toBe(true);
    bySession.close();
    expect((await openSseClient(`${base}/workflow/events?id=${run.workflowId}`, token.headers)).status).toBe(401);
  });

  it('ends when the session signs out, or the user is disabled', async () => {
    const { run, token, session } = await reader('sue');
    const bySession = await follow(`/project/events?id=${run.projectId}`, { cookie: session.cookie });
    const byToken = await follow(`/project/events?id=${run.projectId}`, token.headers);
    expect((await api.app.inject({ method: 'POST', url: '/auth/logout', headers: session.headers })).statusCode).toBe(204);
    await bySession.closed;
    expect(await stillOpen(byToken)).toBe(true);

    const user = await api.database.db.user.findUniqueOrThrow({ where: { login: 'sue' } });
    await api.database.db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    await byToken.closed;
  });

  it('goes on for the admin token and for a member whose role changes but still reads', async () => {
    const { run, token } = await reader('rob');
    const byAdmin = await follow(`/workflow/events?id=${run.workflowId}`, adminHeaders);
    const byMember = await follow(`/workflow/events?id=${run.workflowId}`, token.headers);
    expect((await setRole(run, 'rob', 'write')).statusCode).toBe(200);
    expect(await stillOpen(byAdmin)).toBe(true);
    expect(await stillOpen(byMember)).toBe(true);
    byAdmin.close();
    byMember.close();
  });
});
