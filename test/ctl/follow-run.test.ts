/**
 * followRun (apps/ctl) in-process against a real API, its sleeps instant: giving up after a number of failed
 * reconnections once the server is gone, and taking a connection that goes silent (no keep-alive) as dropped.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../apps/ctl/src/api-client.js';
import { UnreachableError } from '../../apps/ctl/src/errors.js';
import { followRun } from '../../apps/ctl/src/follow-run.js';
import type { FollowOutput } from '../../apps/ctl/src/follow-state.js';
import { createRun } from '../api/agent-fixtures.js';
import { ADMIN_TOKEN, startApi, type ApiHarness } from '../api/harness.js';
import { startCutProxy } from './cut-proxy.js';

let api: ApiHarness;
let port: number;

beforeAll(async () => {
  api = await startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  port = (api.app.server.address() as AddressInfo).port;
});
afterAll(() => api?.close());

const instant = async () => undefined;

describe('following a run through connections that fail', () => {
  it('gives up after maxAttempts failed reconnections once the server is gone, telling each attempt', async () => {
    const run = await createRun(api, { status: 'running' });
    const proxy = await startCutProxy({ host: '127.0.0.1', port });
    const client = createApiClient({ server: proxy.url, token: ADMIN_TOKEN }, { fetch });
    const outputs: FollowOutput[] = [];
    const reconnects: number[] = [];
    const following = followRun(
      {
        api: client,
        sleep: instant,
        maxAttempts: 3,
        onOutput: (output) => outputs.push(output),
        onReconnect: (attempt) => reconnects.push(attempt),
      },
      run.workflowId,
      {},
    );
    while (!outputs.some((o) => o.kind === 'status' && o.path === 'run')) await new Promise((r) => setTimeout(r, 20));
    await proxy.close();
    const error = await following.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach the FactoryCI server at ${proxy.url}: gave up following the run after 3 attempts: `));
    expect(reconnects).toEqual([1, 2]);
  });

  it('takes a connection that gets no answer within idleMs as dropped, and reconnects', async () => {
    const run = await createRun(api, { status: 'running' });
    const proxy = await startCutProxy({ host: '127.0.0.1', port });
    try {
      const client = createApiClient({ server: proxy.url, token: ADMIN_TOKEN }, { fetch });
      const reasons: string[] = [];
      const outputs: FollowOutput[] = [];
      const following = followRun(
        {
          api: client,
          sleep: instant,
          idleMs: 300,
          onOutput: (o) => outputs.push(o),
          onReconnect(_, reason) {
            reasons.push(reason);
            // after the silent attempt, let the next one through
            if (reason.startsWith('no data')) proxy.stall(false);
          },
        },
        run.workflowId,
        {},
      );
      while (!outputs.some((o) => o.kind === 'status' && o.path === 'run')) await new Promise((r) => setTimeout(r, 20));
      proxy.stall(true);
      proxy.cut();
      while (reasons.length < 2) await new Promise((r) => setTimeout(r, 20));
      await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers: run.headers, payload: { status: 'success' } });
      expect(await following).toBe('success');
      // the cut, then the silent connection; a slow machine may take one more silent attempt before the snapshot
      expect(reasons.slice(0, 2)).toEqual([expect.stringMatching(/^connection lost/), 'no data for 300ms']);
      expect(reasons.slice(2).filter((reason) => reason !== 'no data for 300ms')).toEqual([]);
      expect(proxy.connections()).toBeGreaterThanOrEqual(3);
    } finally {
      await proxy.close();
    }
  });
});
