/**
 * A small Consul stand-in: the subset of Consul's HTTP API FactoryCI uses, with Consul's paths, bodies, status codes
 * and blocking-query semantics (`index` + `wait`, `X-Consul-Index`), on one node:
 *
 * - PUT /v1/agent/service/register (TTL checks only; a check starts `critical` unless it gives a Status),
 *   PUT /v1/agent/service/deregister/{id}, GET /v1/agent/services
 * - PUT /v1/agent/check/pass|warn|fail/{checkId}?note=…; a TTL check not updated within its TTL turns critical
 *   ("TTL expired"); DeregisterCriticalServiceAfter removes a service whose check stayed critical that long
 * - GET /v1/health/service/{name} (`passing`, `tag`), GET /v1/catalog/service/{name}, GET /v1/status/leader
 *
 * One index counts every change (Consul allows an index that changes more often than the data asked for); as in
 * Consul, a check's output alone changing is not a change that wakes blocking queries.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type CheckStatus = 'passing' | 'warning' | 'critical';

export interface StandinService {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface StandinCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface CheckState {
  check: StandinCheck;
  ttlMs: number;
  deregisterAfterMs?: number;
  ttlTimer?: NodeJS.Timeout;
  reapTimer?: NodeJS.Timeout;
}

export interface RecordedConsulRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface ConsulStandin {
  url: string;
  host: string;
  port: number;
  requests: RecordedConsulRequest[];
  services(): StandinService[];
  checks(): StandinCheck[];
  close(): Promise<void>;
}

const NODE = { ID: '3f7a1c2e-0000-4000-8000-000000000001', Node: 'standin-node', Address: '127.0.0.1', Datacenter: 'dc1' };
const SERF_CHECK: Omit<StandinCheck, 'CreateIndex' | 'ModifyIndex'> = {
  Node: NODE.Node,
  CheckID: 'serfHealth',
  Name: 'Serf Health Status',
  Status: 'passing',
  Notes: '',
  Output: 'Agent alive and reachable',
  ServiceID: '',
  ServiceName: '',
  ServiceTags: [],
  Type: '',
};

/** Consul's duration strings: "10s", "1.5m", "250ms", "1h2m". */
export function parseConsulDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, part) => total + Number(part[1]) * (units[part[2] ?? ''] ?? 0), 0);
}

export async function startConsulStandin(): Promise<ConsulStandin> {
  let index = 1;
  const services = new Map<string, StandinService>();
  const checks = new Map<string, CheckState>();
  const waiters = new Set<() => void>();
  const requests: RecordedConsulRequest[] = [];
  const serfIndex = 1;

  function bump(): number {
    index += 1;
    for (const wake of waiters) wake();
    waiters.clear();
    return index;
  }

  function setStatus(state: CheckState, status: CheckStatus, output: string): void {
    // as in Consul, only a status change is a change for blocking queries; output alone is synced lazily
    const changed = state.check.Status !== status;
    state.check.Status = status;
    state.check.Output = output;
    if (changed) state.check.ModifyIndex = bump();
    if (state.reapTimer && status !== 'critical') {
      clearTimeout(state.reapTimer);
      state.reapTimer = undefined;
    }
    if (status === 'critical' && state.deregisterAfterMs !== undefined && !state.reapTimer) {
      state.reapTimer = setTimeout(() => deregister(state.check.ServiceID), state.deregisterAfterMs);
    }
  }

  function armTtl(state: CheckState): void {
    if (state.ttlTimer) clearTimeout(state.ttlTimer);
    state.ttlTimer = setTimeout(() => setStatus(state, 'critical', `TTL expired (last output before timeout follows): ${state.check.Output}`), state.ttlMs);
  }

  function removeCheck(id: string): void {
    const state = checks.get(id);
    if (!state) return;
    clearTimeout(state.ttlTimer);
    clearTimeout(state.reapTimer);
    checks.delete(id);
  }

  function deregister(serviceId: string): boolean {
    if (!services.delete(serviceId)) return false;
    for (const [id, state] of [...checks]) if (state.check.ServiceID === serviceId) removeCheck(id);
    bump();
    return true;
  }

  type CheckBody = { CheckID?: string; Name?: string; TTL?: string; Status?: CheckStatus; Notes?: string; DeregisterCriticalServiceAfter?: string; HTTP?: string; TCP?: string };
  type ServiceBody = { Name?: string; ID?: string; Tags?: string[]; Address?: string; Port?: number; Meta?: Record<string, string>; Check?: CheckBody; Checks?: CheckBody[] };

  function register(body: ServiceBody): string | undefined {
    if (!body.Name) return 'Missing service name';
    const id = body.ID || body.Name;
    const definitions = body.Checks ?? (body.Check ? [body.Check] : []);
    for (const definition of definitions) {
      if (!definition.TTL) return 'the stand-in supports TTL checks only';
      if (parseConsulDuration(definition.TTL) === undefined) return `invalid TTL "${definition.TTL}"`;
    }
    if (services.has(id)) deregister(id);
    const created = bump();
    const service: StandinService = {
      ID: id,
      Service: body.Name,
      Tags: body.Tags ?? [],
      Address: body.Address ?? '',
      Port: body.Port ?? 0,
      Meta: body.Meta ?? {},
      CreateIndex: created,
      ModifyIndex: created,
    };
    services.set(id, service);
    definitions.forEach((definition, position) => {
      const checkId = definition.CheckID ?? (definitions.length === 1 ? `service:${id}` : `service:${id}:${position + 1}`);
      const state: CheckState = {
        check: {
          Node: NODE.Node,
          CheckID: checkId,
          Name: definition.Name ?? `Service '${body.Name}' check`,
          Status: definition.Status ?? 'critical',
          Notes: definition.Notes ?? '',
          Output: '',
          ServiceID: id,
          ServiceName: body.Name ?? '',
          ServiceTags: service.Tags,
          Type: 'ttl',
          CreateIndex: created,
          ModifyIndex: created,
        },
        ttlMs: parseConsulDuration(definition.TTL ?? '') ?? 0,
        ...(definition.DeregisterCriticalServiceAfter
          ? { deregisterAfterMs: parseConsulDuration(definition.DeregisterCriticalServiceAfter) ?? 0 }
          : {}),
      };
      checks.set(checkId, state);
      armTtl(state);
      if (state.check.Status === 'critical') setStatus(state, 'critical', '');
    });
    return undefined;
  }

  function serviceChecks(serviceId: string): StandinCheck[] {
    return [...checks.values()].filter((state) => state.check.ServiceID === serviceId).map((state) => ({ ...state.check }));
  }

  function healthEntries(name: string, query: URLSearchParams) {
    const tag = query.get('tag');
    return [...services.values()]
      .filter((service) => service.Service === name && (!tag || service.Tags.includes(tag)))
      .map((service) => ({
        Node: { ...NODE, TaggedAddresses: { lan: NODE.Address, wan: NODE.Address }, Meta: {}, CreateIndex: serfIndex, ModifyIndex: serfIndex },
        Service: { ...service, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false },
        Checks: [{ ...SERF_CHECK, CreateIndex: serfIndex, ModifyIndex: serfIndex }, ...serviceChecks(service.ID)],
      }))
      .filter((entry) => !query.has('passing') || query.get('passing') === 'false' || entry.Checks.every((check) => check.Status === 'passing'));
  }

  function catalogEntries(name: string, query: URLSearchParams) {
    const tag = query.get('tag');
    return [...services.values()]
      .filter((service) => service.Service === name && (!tag || service.Tags.includes(tag)))
      .map((service) => ({
        ID: NODE.ID,
        Node: NODE.Node,
        Address: NODE.Address,
        Datacenter: NODE.Datacenter,
        TaggedAddresses: { lan: NODE.Address, wan: NODE.Address },
        NodeMeta: {},
        ServiceID: service.ID,
        ServiceName: service.Service,
        ServiceAddress: service.Address,
        ServicePort: service.Port,
        ServiceTags: service.Tags,
        ServiceMeta: service.Meta,
        ServiceEnableTagOverride: false,
        CreateIndex: service.CreateIndex,
        ModifyIndex: service.ModifyIndex,
      }));
  }

  /** Blocks while the client's `index` is current, for at most `wait` (default 5m, max 10m). */
  async function block(query: URLSearchParams, request: IncomingMessage): Promise<void> {
    const known = Number(query.get('index') ?? '0');
    if (!(known > 0) || known < index) return;
    const waitMs = Math.min(parseConsulDuration(query.get('wait') ?? '5m') ?? 300_000, 600_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
      request.once('close', done);
    });
  }

  function reply(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    if (response.destroyed) return;
    if (body === undefined) {
      response.writeHead(status, headers);
      response.end();
    } else if (typeof body === 'string') {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(body);
    } else {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    }
  }

  const queryHeaders = () => ({ 'x-consul-index': String(index), 'x-consul-knownleader': 'true', 'x-consul-lastcontact': '0', 'x-consul-effective-consistency': 'leader' });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://standin');
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return reply(response, 400, 'Request decode failed: invalid JSON');
    }
    requests.push({ method, path: decodeURIComponent(url.pathname), query: url.searchParams, body });
    const path = url.pathname;
    const notAllowed = () => reply(response, 405, `method ${method} not allowed`);
    let match: RegExpExecArray | null;

    if (path === '/v1/agent/service/register') {
      if (method !== 'PUT') return notAllowed();
      const problem = register((body ?? {}) as ServiceBody);
      return problem ? reply(response, 400, `Invalid service: ${problem}`) : reply(response, 200);
    }
    if ((match = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path))) {
      if (method !== 'PUT') return notAllowed();
      const id = decodeURIComponent(match[1] ?? '');
      return deregister(id) ? reply(response, 200) : reply(response, 404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    }
    if ((match = /^\/v1\/agent\/check\/(pass|warn|fail)\/(.+)$/.exec(path))) {
      if (method !== 'PUT') return notAllowed();
      const id = decodeURIComponent(match[2] ?? '');
      const state = checks.get(id);
      if (!state) return reply(response, 404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
      const status = ({ pass: 'passing', warn: 'warning', fail: 'critical' } as const)[match[1] as 'pass' | 'warn' | 'fail'];
      setStatus(state, status, url.searchParams.get('note') ?? '');
      armTtl(state);
      return reply(response, 200);
    }
    if (path === '/v1/agent/services') {
      if (method !== 'GET') return notAllowed();
      return reply(response, 200, Object.fromEntries([...services].map(([id, service]) => [id, { ...service, Weights: { Passing: 1, Warning: 1 } }])));
    }
    if ((match = /^\/v1\/(health|catalog)\/service\/(.+)$/.exec(path))) {
      if (method !== 'GET') return notAllowed();
      await block(url.searchParams, request);
      const name = decodeURIComponent(match[2] ?? '');
      const entries = match[1] === 'health' ? healthEntries(name, url.searchParams) : catalogEntries(name, url.searchParams);
      return reply(response, 200, entries, queryHeaders());
    }
    if (path === '/v1/status/leader') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify('127.0.0.1:8300'));
    }
    return reply(response, 404, `Invalid URL path: not a recognized HTTP API endpoint`);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => reply(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    requests,
    services: () => [...services.values()].map((service) => ({ ...service })),
    checks: () => [...checks.values()].map((state) => ({ ...state.check })),
    async close() {
      for (const id of [...checks.keys()]) removeCheck(id);
      for (const wake of waiters) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
