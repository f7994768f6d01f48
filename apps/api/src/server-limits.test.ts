import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_LIMITS, serverOptions } from './server-limits.js';

describe('serverOptions', () => {
  it('sets every timeout (none is left at Node\'s or Fastify\'s "no limit") and the body limit', () => {
    expect(serverOptions(DEFAULT_SERVER_LIMITS)).toEqual({
      requestTimeout: 30_000,
      connectionTimeout: 80_000,
      keepAliveTimeout: 72_000,
      bodyLimit: 1024 * 1024,
      http: { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 72_000, connectionsCheckingInterval: 1_000 },
    });
  });

  it('an idle socket outlives a kept-alive one (else keep-alive would end early)', () => {
    expect(DEFAULT_SERVER_LIMITS.idleTimeoutMs).toBeGreaterThanOrEqual(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs);
  });

  it('the headers timeout never exceeds the request timeout', () => {
    expect(serverOptions({ ...DEFAULT_SERVER_LIMITS, requestTimeoutMs: 500, headersTimeoutMs: 2_000 }).http.headersTimeout).toBe(500);
  });
});
