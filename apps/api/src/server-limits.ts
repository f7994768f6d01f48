/**
 * How long and how much the API's HTTP server gives a client: every request must arrive whole within
 * `requestTimeoutMs` (headers within `headersTimeoutMs`), an idle socket is closed after `idleTimeoutMs`, a kept-alive
 * one after `keepAliveTimeoutMs`, and bodies are at most `bodyLimitBytes` (routes that need more say so: webhook
 * deliveries take GitHub's 25 MB). Node checks the first two every `checkIntervalMs`, so a half-sent request is
 * closed at most that long after its timeout.
 */
import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

export interface ServerLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
  bodyLimitBytes: number;
}

/**
 * GitHub gives up on a delivery after 10 s, and agents send small JSON bodies: 30 s to send a request is plenty. A
 * kept-alive connection stays open 72 s (Fastify's default), longer than the 60 s proxies in front (nginx, cloud load
 * balancers) keep theirs, so that they never reuse one this server is closing; an idle socket (e.g. a client that does
 * not read its answer) is closed after 80 s, which must not be less.
 */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 80_000,
  keepAliveTimeoutMs: 72_000,
  checkIntervalMs: 1_000,
  bodyLimitBytes: 1024 * 1024,
};

/** The Fastify (and Node http server) options that apply `limits`. */
export function serverOptions(
  limits: ServerLimits,
): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout' | 'bodyLimit'> & { http: ServerOptions } {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    bodyLimit: limits.bodyLimitBytes,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
  };
}
