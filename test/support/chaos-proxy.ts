/**
 * A small HTTP proxy that makes an upstream unreliable on purpose: for requests whose path matches, a share of them
 * fail in one of three ways, so that clients' retry and idempotency logic is tested against the real upstream:
 *
 * - `refuse`: the connection is cut before anything reaches the upstream (a network error);
 * - `unavailable`: 503 is answered without asking the upstream (a proxy or load balancer in trouble);
 * - `lose-answer`: the request is forwarded (the upstream acts on it) but the answer is lost (connection cut) — the
 *   client cannot tell this from `refuse`, and a retry repeats a request the upstream has already applied.
 *
 * Faults are drawn from a seeded generator, so a failing run can be repeated.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'refuse' | 'unavailable' | 'lose-answer';
const FAULTS: Fault[] = ['refuse', 'unavailable', 'lose-answer'];

export interface ChaosProxyOptions {
  /** e.g. http://127.0.0.1:3000 */
  upstream: string;
  /** Share of matching requests that fail, 0..1. */
  failureRate: number;
  /** Which requests may fail (by path); default all. */
  match?: (method: string, path: string) => boolean;
  seed?: number;
  /** At most this many faults in a row (a blip, not an outage); default unlimited. */
  maxConsecutive?: number;
}

export interface ChaosProxy {
  url: string;
  /** Faults injected, by kind. */
  faults: Record<Fault, number>;
  /** Requests forwarded and answered, by `METHOD path`. */
  forwarded: Map<string, number>;
  /** Every request as it arrived: method, path and body (for looking at what a client sent). */
  received: { method: string; path: string; body: string }[];
  setFailureRate(rate: number): void;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded generator. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const upstream = new URL(options.upstream);
  const next = random(options.seed ?? 1);
  let failureRate = options.failureRate;
  let streak = 0;
  const faults: Record<Fault, number> = { refuse: 0, unavailable: 0, 'lose-answer': 0 };
  const forwarded = new Map<string, number>();
  const received: ChaosProxy['received'] = [];

  const forward = (request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers, host: upstream.host };
      const outgoing = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
        (answer) => {
          readBody(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }), reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const body = await readBody(request);
      const method = request.method ?? 'GET';
      const path = (request.url ?? '/').split('?')[0] as string;
      received.push({ method, path, body: body.toString('utf8') });
      const eligible = options.match?.(method, path) ?? true;
      const draw = eligible && next() < failureRate && streak < (options.maxConsecutive ?? Number.POSITIVE_INFINITY);
      const fault = draw ? (FAULTS[Math.floor(next() * FAULTS.length)] as Fault) : undefined;
      streak = fault ? streak + 1 : eligible ? 0 : streak;
      if (fault) faults[fault]++;
      if (fault === 'refuse') return request.socket.destroy();
      if (fault === 'unavailable') {
        return response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable","message":"chaos"}');
      }
      try {
        const answer = await forward(request, body);
        if (fault === 'lose-answer') return request.socket.destroy();
        forwarded.set(`${method} ${path}`, (forwarded.get(`${method} ${path}`) ?? 0) + 1);
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        response.writeHead(answer.status, headers).end(answer.body);
      } catch {
        request.socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    forwarded,
    received,
    setFailureRate(rate) {
      failureRate = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
