import { describe, expect, it } from 'vitest';
import { cached, createProcessMetrics } from './metrics.js';

describe('cached scrape-time reads', () => {
  it('reads at most once per period, and again at once after a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const read = cached(async () => {
      reads++;
      if (fail) throw new Error('down');
      return reads;
    }, 5000, () => now);
    expect(await read()).toBe(1);
    now = 4999;
    expect(await read()).toBe(1);
    now = 5000;
    fail = true;
    await expect(read()).rejects.toThrow('down');
    fail = false;
    expect(await read()).toBe(3);
  });
});

describe('the process metrics', () => {
  it('count database and Redis errors by process and component on the registry given', async () => {
    const metrics = createProcessMetrics('api');
    metrics.databaseError('requests');
    metrics.databaseError('requests');
    metrics.redisError('healthz');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^factoryci_database_errors_total\{process="api",component="requests"\} 2$/m);
    expect(text).toMatch(/^factoryci_redis_errors_total\{process="api",component="healthz"\} 1$/m);
    // one registry per process: a second one starts from nothing
    expect(await createProcessMetrics('orchestrator').registry.metrics()).not.toMatch(/component=/);
  });
});
