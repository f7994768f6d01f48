/**
 * A burst of deliveries: 1,000 signed pushes over loopback HTTP at concurrency 50 to the real API, for three projects,
 * 10 % of them redeliveries (half sent right behind their original, so both are in flight at once). Every answer is a
 * 2xx; exactly one workflow per distinct delivery; each project's run numbers are distinct, from 1 (a duplicate
 * racing its original may leave a number unused); a redelivery answers its original's workflow. The figures (req/s,
 * p50/p99) are printed, never asserted.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';
import { adminHeaders, startApi, type ApiHarness } from '../api/harness.js';
import { exampleOf } from '../api/webhook-examples.js';

const DELIVERIES = 1000;
const REDELIVERIES = 100;
const CONCURRENCY = 50;
const PROJECTS = 3;

interface Send {
  project: number;
  delivery: string;
  /** The index of the original this repeats, for a redelivery. */
  repeats: number | null;
}

interface Answer {
  status: number;
  body: { workflow_id?: string | null; number?: number | null; redelivery?: boolean };
  ms: number;
}

/** The deliveries in sending order: originals round-robin over the projects, redeliveries behind or after theirs. */
function burstPlan(): Send[] {
  const originals: Send[] = Array.from({ length: DELIVERIES - REDELIVERIES }, (_, i) => ({ project: i % PROJECTS, delivery: `burst-${i}-${randomUUID()}`, repeats: null }));
  const plan: Send[] = [];
  originals.forEach((original, i) => {
    plan.push(original);
    // every 18th original is repeated right behind it: 50 redeliveries concurrent with their original
    if (i % 18 === 0) plan.push({ ...original, repeats: i });
  });
  // the other 50 later, from the first half, spread over the second half of the burst
  for (let k = 0; plan.length < DELIVERIES; k++) {
    const i = (k * 7 + 1) % Math.floor(originals.length / 2);
    const at = Math.floor(plan.length / 2) + ((k * 37) % Math.floor(plan.length / 2));
    plan.splice(at, 0, { ...(originals[i] as Send), repeats: i });
  }
  return plan;
}

let api: ApiHarness;
let port: number;
const projects: { id: string; secret: string }[] = [];
const body = JSON.stringify({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) });

beforeAll(async () => {
  api = await startApi();
  for (let i = 0; i < PROJECTS; i++) {
    const created = await api.app.inject({
      method: 'POST',
      url: '/project',
      headers: adminHeaders,
      payload: { owner: 'Codertocat', project: `burst-${i}`, url: `https://github.com/Codertocat/burst-${i}` },
    });
    expect(created.statusCode).toBe(201);
    const { id, webhook_secret: secret } = created.json() as { id: string; webhook_secret: string };
    projects.push({ id, secret });
  }
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  port = (api.app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await api?.close();
});

describe('a burst of 1,000 deliveries at concurrency 50, 10 % redeliveries', () => {
  it('answers each with a 2xx, one workflow per delivery, distinct run numbers per project', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const signatures = projects.map((p) => signPayload(p.secret, body));
    const send = (item: Send) =>
      new Promise<Answer>((resolve, reject) => {
        const start = performance.now();
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/hooks/github/${(projects[item.project] as { id: string }).id}`,
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'user-agent': 'GitHub-Hookshot/burst',
              'x-github-event': 'push',
              'x-github-delivery': item.delivery,
              'x-hub-signature-256': signatures[item.project] as string,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer['body']) : {}, ms: performance.now() - start });
            });
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });

    const plan = burstPlan();
    expect(plan).toHaveLength(DELIVERIES);
    expect(plan.filter((s) => s.repeats !== null)).toHaveLength(REDELIVERIES);
    const answers: Answer[] = new Array(plan.length);
    let next = 0;
    const started = performance.now();
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < plan.length) {
            const index = next++;
            answers[index] = await send(plan[index] as Send);
          }
        }),
      );
    } finally {
      agent.destroy();
    }
    const elapsedMs = performance.now() - started;
    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] as number;
    console.log(
      `burst: ${DELIVERIES} deliveries (${REDELIVERIES} redeliveries) at concurrency ${CONCURRENCY} to ${PROJECTS} projects: ` +
        `${((DELIVERIES / elapsedMs) * 1000).toFixed(0)} req/s, p50 ${percentile(50).toFixed(1)} ms, p99 ${percentile(99).toFixed(1)} ms, ` +
        `max ${(latencies.at(-1) as number).toFixed(1)} ms (a shared, loaded machine)`,
    );

    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual(expect.not.objectContaining({ 500: expect.anything() }));
    expect(answers.filter((a) => a.status < 200 || a.status >= 300)).toEqual([]);

    // One workflow per distinct delivery, whichever of the original and its redelivery landed first.
    const byDelivery = new Map<string, Set<string>>();
    plan.forEach((item, i) => {
      const workflowId = (answers[i] as Answer).body.workflow_id;
      expect(typeof workflowId).toBe('string');
      byDelivery.set(item.delivery, (byDelivery.get(item.delivery) ?? new Set()).add(workflowId as string));
    });
    expect(byDelivery.size).toBe(DELIVERIES - REDELIVERIES);
    expect([...byDelivery.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(answers.filter((a) => a.body.redelivery === true)).toHaveLength(REDELIVERIES);

    const { db } = api.database;
    expect(await db.workflow.count()).toBe(DELIVERIES - REDELIVERIES);
    expect(await db.webhookDelivery.count()).toBe(DELIVERIES - REDELIVERIES);
    const gaps: number[] = [];
    for (const [p, project] of projects.entries()) {
      const numbers = (await db.workflow.findMany({ where: { projectId: project.id }, select: { number: true }, orderBy: { createdAt: 'asc' } })).map((w) => w.number);
      const sent = plan.filter((s) => s.project === p);
      expect(numbers).toHaveLength(sent.filter((s) => s.repeats === null).length);
      // distinct, positive, and at most one number per request sent (a duplicate that raced past the first read may
      // have taken one it did not use — also number 1, when the project's first delivery came twice at once)
      const sorted = [...numbers].sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(sorted[0]).toBeGreaterThanOrEqual(1);
      expect(sorted.at(-1)).toBeLessThanOrEqual(sent.length);
      gaps.push((sorted.at(-1) as number) - sorted.length);
    }
    console.log(`burst: numbers left unused by duplicates that raced their original, per project: ${gaps.join(', ')}`);
    // Each answer's number is its workflow's.
    const stored = new Map((await db.workflow.findMany({ select: { id: true, number: true } })).map((w) => [w.id, w.number]));
    expect(answers.filter((a) => stored.get(a.body.workflow_id as string) !== a.body.number)).toEqual([]);
  });
});
