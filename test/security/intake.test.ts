/**
 * The API's outside edge, attacked: forged installation events, expensive unauthenticated requests (real sockets on
 * loopback), and values that do not fit. Each attack must be refused with a 4xx and write nothing.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../apps/api/src/app.js';
import { DEFAULT_SERVER_LIMITS } from '../../apps/api/src/server-limits.js';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';
import { deliver } from '../api/deliver.js';
import { adminHeaders, startApi, type ApiHarness } from '../api/harness.js';
import { exampleOf } from '../api/webhook-examples.js';

const run = promisify(execFile);
const APP_SECRET = 'the-github-app-webhook-secret';
const MB = 1024 * 1024;
/** Short server timeouts, so that the slow-request attacks end quickly. */
const LIMITS = { requestTimeoutMs: 1_000, headersTimeoutMs: 500, idleTimeoutMs: 5_000, keepAliveTimeoutMs: 500, checkIntervalMs: 100, bodyLimitBytes: MB };
/** The documented bound (docs/api.md) on the API's heap growth under 10 concurrent 25 MB unverified bodies. */
const HEAP_GROWTH_BOUND = 100 * MB;
/** …and on its buffers: each in-flight delivery's bytes, at most twice while its chunks are joined. */
const BUFFER_GROWTH_BOUND = 10 * 2 * 25 * MB;

let api: ApiHarness;
let port: number;
let attacker: { id: string; webhook_secret: string };
let victim: { id: string; webhook_secret: string };

async function createProject(owner: string, project: string, url: string) {
  const res = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner, project, url } });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; webhook_secret: string };
}

beforeAll(async () => {
  api = await startApi({ env: { GITHUB_APP_WEBHOOK_SECRET: APP_SECRET }, serverLimits: LIMITS });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  port = (api.app.server.address() as { port: number }).port;
  attacker = await createProject('mallory', 'tools', 'https://github.com/mallory/tools');
  victim = await createProject('victim', 'app', 'https://github.com/victim/app');
});
afterAll(() => api?.close());

const everything = async () => {
  const db = api.database.db;
  return {
    deliveries: await db.webhookDelivery.count(),
    workflows: await db.workflow.count(),
    installations: await db.installation.count(),
    installationRepositories: await db.installationRepository.count(),
    owners: await db.owner.findMany({ orderBy: { id: 'asc' } }),
    projects: await db.project.findMany({ orderBy: { id: 'asc' }, select: { id: true, installationId: true, githubRepoId: true } }),
  };
};

describe('forged installation events', () => {
  /** An installation of the App on the victim's account, naming the attacker's repository so its secret is a candidate. */
  const forged = () => {
    const payload = exampleOf('installation', (p) => p.action === 'created');
    return {
      ...payload,
      installation: { ...(payload.installation as object), id: 66_666, account: { login: 'victim', id: 31_337, type: 'User' } },
      repositories: [{ id: 77_777, full_name: 'victim/app', private: false }],
      repository: { id: 1, full_name: 'mallory/tools' },
    };
  };
  const forgedRepositories = () => ({
    ...exampleOf('installation_repositories', (p) => p.action === 'added'),
    installation: forged().installation,
    repositories_added: [{ id: 77_777, full_name: 'victim/app', private: false }],
    repository: { id: 1, full_name: 'mallory/tools' },
  });

  it('signed with a project\'s secret: 401 and nothing written, on /hooks/github and on the project\'s own URL', async () => {
    const before = await everything();
    for (const [event, payload] of [
      ['installation', forged()],
      ['installation_repositories', forgedRepositories()],
    ] as const) {
      for (const url of ['/hooks/github', `/hooks/github/${attacker.id}`]) {
        const body = JSON.stringify(payload);
        const res = await api.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signPayload(attacker.webhook_secret, body) },
          payload: body,
        });
        expect(res.statusCode, `${event} ${url}`).toBe(401);
        expect(res.json().message).toMatch(/only when signed with the GitHub App's webhook secret/);
      }
    }
    expect(await everything()).toEqual(before);
  });

  it('the same event signed with the App\'s secret is applied (the refusal is about the signer)', async () => {
    const payload = { ...forged(), installation: { ...forged().installation, id: 55_555, account: { login: 'control', id: 55_555, type: 'User' } }, repositories: [] };
    const res = await deliver(api.app, { event: 'installation', payload, secret: APP_SECRET });
    expect(res.statusCode).toBe(200);
    expect(await api.database.db.installation.findUnique({ where: { id: 55_555n } })).toMatchObject({ accountLogin: 'control' });
    await api.database.db.installation.delete({ where: { id: 55_555n } });
  });
});

/** Opens a socket that sends `head` and then, every `trickleMs` (0: never), one more byte; resolves when the server closes it. */
function halfSent(head: string, trickleMs: number): { socket: Socket; closed: Promise<number> } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(head);
  const timer = trickleMs > 0 ? setInterval(() => socket.writable && socket.write('x'), trickleMs) : null;
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  socket.resume();
  return { socket, closed };
}

/** GET /healthz over a real socket: its latency in ms. */
async function healthLatency(at = port): Promise<number> {
  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${at}/healthz`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return Date.now() - started;
}

/**
 * A client in its own process: 10 concurrent POSTs of one 25 MB body (`[{},{},…,{}]` and spaces) with a wrong
 * signature to `path`; resolves with their statuses.
 */
async function floodFromAnotherProcess(at: number, path: string, event: string): Promise<number[]> {
  const script = `
    import { createHmac, randomUUID } from 'node:crypto';
    import { request } from 'node:http';
    const MB = 1024 * 1024;
    const body = Buffer.alloc(25 * MB, ',{}');
    body.write('[{}', 0);
    const end = 25 * MB - 3 - ((25 * MB - 3) % 3);
    body.write(']', end);
    body.fill(' ', end + 1);
    const headers = {
      'content-type': 'application/json', 'content-length': String(body.length), 'x-github-event': ${JSON.stringify(event)},
      'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=' + createHmac('sha256', 'not-the-secret').update(body).digest('hex'),
    };
    const post = () => new Promise((resolve) => {
      let status = 0;
      const req = request({ host: '127.0.0.1', port: ${at}, path: ${JSON.stringify(path)}, method: 'POST', headers }, (res) => {
        status = res.statusCode; res.resume(); res.on('end', () => resolve(status));
      });
      req.on('error', () => resolve(status));
      req.end(body);
    });
    process.stdout.write(JSON.stringify(await Promise.all(Array.from({ length: 10 }, post))));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: MB });
  return JSON.parse(stdout) as number[];
}

/** POSTs `body` (one shared buffer) over a real socket; resolves with the status. */
function post(path: string, body: Buffer, headers: Record<string, string>, at = port): Promise<number> {
  return new Promise((resolve, reject) => {
    let status: number | null = null;
    const req = httpRequest({ host: '127.0.0.1', port: at, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status ?? 0));
    });
    // A server that answers before it has read the whole body may reset the connection under the rest of it.
    req.on('error', (error) => (status === null ? reject(error) : resolve(status)));
    req.on('socket', (socket) => socket.on('error', () => undefined));
    req.end(body);
  });
}

describe('expensive unauthenticated requests (real sockets on loopback)', () => {
  // The same API with the default limits (10 uploads of 25 MB over loopback take longer than the short test timeout).
  let defaults: FastifyInstance;
  let defaultPort: number;
  beforeAll(async () => {
    defaults = await buildApp({ config: api.config, db: api.database.db, queue: api.queue, github: null, logger: pino({ level: 'silent' }), serverLimits: DEFAULT_SERVER_LIMITS });
    await defaults.listen({ host: '127.0.0.1', port: 0 });
    defaultPort = (defaults.server.address() as { port: number }).port;
  });
  afterAll(() => defaults?.close());

  it('50 slow or half-sent requests are closed within the request timeout, and /healthz answers meanwhile', async () => {
    const heads = [
      'POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
      `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: d\r\nContent-Length: ${25 * MB}\r\n\r\n{"ref":`,
    ];
    const attacks = Array.from({ length: 50 }, (_, n) => halfSent(heads[n % 2]!, n % 4 < 2 ? 0 : 200));
    const latencies: number[] = [];
    for (let n = 0; n < 5; n++) latencies.push(await healthLatency());
    const closedAfter = await Promise.all(attacks.map((a) => a.closed));
    const bound = LIMITS.requestTimeoutMs + LIMITS.checkIntervalMs + 1_000;
    expect(Math.max(...closedAfter)).toBeLessThan(bound);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    console.info(`50 half-sent requests closed after ${Math.min(...closedAfter)}–${Math.max(...closedAfter)} ms (request timeout ${LIMITS.requestTimeoutMs} ms); /healthz ${Math.max(...latencies)} ms at most`);
  });

  /**
   * 10 concurrent 25 MB bodies of the costliest JSON shape (`[{},{},…]`: parsed, each would take about 5 s and 0.5 GB of
   * heap) with a wrong signature, sent by another process (so that only the API's work is on this event loop) while
   * /healthz is asked every 50 ms. Nothing is parsed: the heap grows less than the documented bound, and /healthz
   * answers within a second.
   */
  const flood = async (path: string, event: string): Promise<{ statuses: number[]; heapGrowth: number; externalGrowth: number; healthMax: number }> => {
    const baseline = process.memoryUsage();
    let peak = baseline;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = { ...peak, heapUsed: Math.max(now.heapUsed, peak.heapUsed), arrayBuffers: Math.max(now.arrayBuffers, peak.arrayBuffers) };
    }, 10);
    const latencies: number[] = [];
    let flooding = true;
    const health = (async () => {
      while (flooding) {
        latencies.push(await healthLatency(defaultPort));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const statuses = await floodFromAnotherProcess(defaultPort, path, event);
    flooding = false;
    await health;
    clearInterval(sampler);
    return {
      statuses,
      heapGrowth: peak.heapUsed - baseline.heapUsed,
      externalGrowth: peak.arrayBuffers - baseline.arrayBuffers,
      healthMax: Math.max(...latencies),
    };
  };

  for (const [name, path, event, status] of [
    ['to /hooks/github (the App\'s secret is tried first; too large to parse unverified): 413', () => '/hooks/github', 'push', 413],
    ['to /hooks/github/<project id> (that project\'s secret is tried): 401', () => `/hooks/github/${victim.id}`, 'push', 401],
    ['installation events to /hooks/github: 401', () => '/hooks/github', 'installation', 401],
  ] as const) {
    it(`10 concurrent 25 MB bodies with a wrong signature ${name}; heap and /healthz stay within bounds`, async () => {
      const before = await everything();
      const result = await flood(path(), event);
      expect(result.statuses).toEqual(Array.from({ length: 10 }, () => status));
      expect(result.heapGrowth).toBeLessThan(HEAP_GROWTH_BOUND);
      expect(result.externalGrowth).toBeLessThan(BUFFER_GROWTH_BOUND);
      expect(result.healthMax).toBeLessThan(1_000);
      expect(await everything()).toEqual(before);
      console.info(
        `10 × 25 MB ${path()} ${event}: heap +${(result.heapGrowth / MB).toFixed(0)} MB, buffers +${(result.externalGrowth / MB).toFixed(0)} MB, /healthz ${result.healthMax} ms at most`,
      );
    }, 120_000);
  }

  it('bodies over 1 MB elsewhere are 413; over 25 MB on the hooks too', async () => {
    expect(await post('/owner', Buffer.alloc(MB + 1, 32), adminHeaders)).toBe(413);
    expect(await post('/hooks/github', Buffer.alloc(25 * MB + 1, 32), { 'x-github-event': 'push', 'x-github-delivery': randomUUID() })).toBe(413);
  });
});

describe('small ones: values that do not fit are 400, and nothing is written', () => {
  const branchPush = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...exampleOf('push', (p) => p.ref === 'refs/heads/master'),
    created: false,
    repository: { id: 1, full_name: 'victim/app' },
    ...over,
  });
  const pullRequest = (edit: (pr: { number: number; head: Record<string, unknown>; base: Record<string, unknown> }) => void) => {
    const payload = exampleOf('pull_request', (p) => p.action === 'opened');
    const pr = payload.pull_request as { number: number; head: Record<string, unknown>; base: Record<string, unknown> };
    pr.base.repo = { ...(pr.base.repo as object), id: 1, full_name: 'victim/app' };
    pr.head.repo = { ...(pr.head.repo as object), id: 1, full_name: 'victim/app' };
    edit(pr);
    return { ...payload, repository: { id: 1, full_name: 'victim/app' } };
  };

  it('a pull request is trusted only when its head repository\'s id and full name equal the base\'s', async () => {
    const cases = [
      { edit: () => undefined, trusted: true },
      { edit: (pr: { head: Record<string, unknown>; base: Record<string, unknown> }) => void ((pr.head.repo as Record<string, unknown>).full_name = 'mallory/app'), trusted: false },
      {
        edit: (pr: { head: Record<string, unknown>; base: Record<string, unknown> }) => {
          delete (pr.head.repo as Record<string, unknown>).id;
          delete (pr.base.repo as Record<string, unknown>).id;
        },
        trusted: false,
      },
    ];
    for (const { edit, trusted } of cases) {
      const res = await deliver(api.app, { event: 'pull_request', payload: pullRequest(edit), secret: victim.webhook_secret });
      expect(res.statusCode).toBe(202);
      const workflow = await api.database.db.workflow.findUniqueOrThrow({ where: { id: res.json().workflow_id } });
      expect(workflow.trusted).toBe(trusted);
    }
  });

  it('webhook values longer than their columns, or numbers that are not exact integers', async () => {
    const before = await everything();
    const attempts: [string, Record<string, unknown>][] = [
      ['push', branchPush({ ref: `refs/heads/${'x'.repeat(250)}` })],
      ['push', branchPush({ sender: { login: 's'.repeat(101) } })],
      ['push', branchPush({ repository: { id: 1.5, full_name: 'victim/app' } })],
      ['push', branchPush({ repository: { id: 1e300, full_name: 'victim/app' } })],
      ['push', branchPush({ repository: { id: 1, full_name: `victim/${'a'.repeat(200)}` } })],
      ['pull_request', pullRequest((pr) => void (pr.base.ref = 'r'.repeat(256)))],
      ['pull_request', pullRequest((pr) => void (pr.number = 2 ** 31))],
      ['pull_request', pullRequest((pr) => void ((pr.head.repo as Record<string, unknown>).full_name = `m/${'x'.repeat(200)}`))],
    ];
    for (const [event, payload] of attempts) {
      const res = await deliver(api.app, { event, payload, secret: victim.webhook_secret });
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request' });
    }
    // The App's bookkeeping too: an installation whose account login, or id, does not fit.
    const installation = exampleOf('installation', (p) => p.action === 'created');
    const inst = installation.installation as { account: Record<string, unknown> };
    for (const change of [{ account: { ...inst.account, login: 'l'.repeat(101) } }, { id: 1.5 }, { account: { ...inst.account, id: 2 ** 60 } }]) {
      const payload = { ...installation, installation: { ...(installation.installation as object), ...change } };
      expect((await deliver(api.app, { event: 'installation', payload, secret: APP_SECRET })).statusCode, JSON.stringify(change).slice(0, 60)).toBe(400);
    }
    expect(await everything()).toEqual(before);
  });

  it('query numbers that are not finite (limit=1e309) and `urn:uuid:` ids are 400 on every route that takes them', async () => {
    const urn = `urn:uuid:${randomUUID()}`;
    const requests: [string, string][] = [
      ['GET', '/owners?limit=1e309'],
      ['GET', '/owners?offset=1e309'],
      ['GET', '/projects?limit=1e309'],
      ['GET', `/workflows?project=${victim.id}&limit=1e309`],
      ['GET', `/workflows?project=${victim.id}&offset=99999999999`],
      ['GET', '/github/setup?setup_action=install&installation_id=1e309&code=x'],
      ['GET', `/owner?id=${urn}`],
      ['PUT', `/owner?id=${urn}`],
      ['DELETE', `/owner?id=${urn}`],
      ['GET', `/project?id=${urn}`],
      ['PUT', `/project?id=${urn}`],
      ['DELETE', `/project?id=${urn}`],
      ['GET', `/workflows?project=${urn}`],
      ['GET', `/workflow?id=${urn}`],
      ['POST', `/workflow/approve?id=${urn}`],
      ['POST', `/workflow/cancel?id=${urn}`],
      ['GET', `/execution/log?id=${urn}`],
      ['GET', `/project/secrets?id=${urn}`],
      ['PUT', `/project/secret?id=${urn}&name=TOKEN`],
      ['DELETE', `/project/secret?id=${urn}&name=TOKEN`],
      ['POST', `/hooks/github/${urn}`],
    ];
    for (const [method, url] of requests) {
      const payload = method === 'PUT' ? (url.startsWith('/owner') ? { name: 'x' } : url.startsWith('/project?') ? { max_concurrent_runs: 3 } : { value: 'long-enough' }) : method === 'POST' && url.startsWith('/hooks') ? {} : undefined;
      const headers = url.startsWith('/hooks') ? { 'x-github-event': 'push', 'x-github-delivery': randomUUID() } : adminHeaders;
      const res = await api.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(res.json(), `${method} ${url}`).toMatchObject({ error: 'bad_request' });
    }
  });

  it('project settings longer than their columns are 400', async () => {
    for (const setting of [{ max_cpu: '1'.repeat(21) }, { max_memory: `${'1'.repeat(19)}Gi` }]) {
      const res = await api.app.inject({ method: 'PUT', url: `/project?id=${victim.id}`, headers: adminHeaders, payload: setting });
      expect(res.statusCode, JSON.stringify(setting)).toBe(400);
    }
  });

  it('run secrets shorter than 4 characters are refused with a message that says why', async () => {
    for (const value of ['a', 'ab', 'abc']) {
      const res = await api.app.inject({ method: 'PUT', url: `/project/secret?id=${victim.id}&name=SHORT`, headers: adminHeaders, payload: { value } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/at least 4 characters long: runs mask every occurrence/);
    }
    expect(await api.database.db.projectSecret.count({ where: { projectId: victim.id } })).toBe(0);
    const ok = await api.app.inject({ method: 'PUT', url: `/project/secret?id=${victim.id}&name=SHORT`, headers: adminHeaders, payload: { value: 'abcd' } });
    expect(ok.statusCode).toBe(200);
  });
});

describe('a project\'s own hook URL', () => {
  it('accepts that project\'s signature (any repository in the payload), and only that', async () => {
    const payload = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false };
    const body = JSON.stringify(payload);
    const send = (url: string, secret: string) =>
      api.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signPayload(secret, body) },
        payload: body,
      });
    const ok = await send(`/hooks/github/${victim.id}`, victim.webhook_secret);
    expect(ok.statusCode).toBe(202);
    expect(await api.database.db.workflow.findUniqueOrThrow({ where: { id: ok.json().workflow_id } })).toMatchObject({ projectId: victim.id });
    const before = await everything();
    expect((await send(`/hooks/github/${victim.id}`, attacker.webhook_secret)).statusCode).toBe(401);
    expect((await send(`/hooks/github/${victim.id}`, APP_SECRET)).statusCode).toBe(401);
    expect((await send(`/hooks/github/${randomUUID()}`, victim.webhook_secret)).statusCode).toBe(404);
    expect(await everything()).toEqual(before);
  });
});
