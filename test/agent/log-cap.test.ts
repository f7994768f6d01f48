/**
 * One execution writes 64 MiB as fast as it can through the real agent and the real API, with a log cap of 48 MiB (of its 52 MiB once masked) and
 * a backpressure window of 256 KiB: the stored log is the (masked) output exactly up to the cap plus the one marker,
 * the execution's reason says it was truncated, the command was not blocked by the cap (it ends successfully), and
 * the agent's peak RSS stays bounded (sampled from /proc/<pid>/status, VmHWM) although it took the whole output.
 */
import { readFileSync } from 'node:fs';
import { truncationMarker } from '@factoryci/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from './harness.js';

const SECRET = 'log-s3cr3t-value-77';
const FILL = '.'.repeat(60);
const LINE = `line ${SECRET} ${FILL}\n`;
const MASKED_LINE = `line *** ${FILL}\n`;
/** 64 MiB of output (52 MiB once masked). */
const LINES = Math.floor((64 * 1024 * 1024) / LINE.length);
const CAP = 48 * 1024 * 1024;
const WINDOW = 256 * 1024;
/**
 * Above the agent's own footprint with a tiny execution (measured first: Node, and mostly the HCL parser's WebAssembly,
 * ≈ 140–160 MB): generous room for garbage not yet collected, the window and a few pipe reads (measured: +25 to +50
 * MB). Without backpressure the agent holds the backlog (up to the cap, as strings and again as request bodies):
 * measured +180 MB with this output.
 */
const AGENT_RSS_ALLOWANCE_KB = 64 * 1024;

/** The peak resident set of a process so far (VmHWM, kB); undefined once it is gone. */
function peakRssKb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the agent to its end, sampling its peak RSS. */
async function runAgent(env: Record<string, string>) {
  const agent = startAgent({ FACTORY_LOG_WINDOW_BYTES: String(WINDOW), FACTORY_LOG_LEVEL: 'warn', ...env });
  const pid = agent.child.pid as number;
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, peakRssKb(pid) ?? 0)), 20);
  const result = await agent.done;
  clearInterval(sampler);
  return { result, peakKb };
}

/** A project whose one execution prints `lines` lines holding a secret, with a log cap of `CAP`. */
async function seedFlood(api: AgentApi, repo: TestRepo, lines: number) {
  const sha = repo.commit({
    '.factory/flood.hcl': `
pipeline "flood" {
  stage "out" {
    execution "yes" {
      secrets = ["LOG_TOKEN"]
      command = "yes \\"line $LOG_TOKEN ${FILL}\\" | head -c ${lines * LINE.length}"
    }
  }
}
`,
  });
  const run = await seedRun(api, { url: repo.bare, sha, secrets: { LOG_TOKEN: SECRET } });
  const { db } = api.harness.database;
  const { projectId } = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId }, select: { projectId: true } });
  await db.project.update({ where: { id: projectId }, data: { logCapBytes: CAP } });
  return { ...run, env: { FACTORY_RUN_ID: run.workflowId, FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url } };
}

describe('an execution that writes 64 MiB fast, through the API, with a small log cap and window', () => {
  let api: AgentApi;
  let repo: TestRepo;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
  });

  it('stores the output exactly up to the cap and one marker, sets the reason, and keeps the agent small', async () => {
    const small = await seedFlood(api, repo, 1000);
    const baseline = await runAgent(small.env);
    expect(baseline.result.code, baseline.result.stderr).toBe(0);

    const run = await seedFlood(api, repo, LINES);
    const startedAt = Date.now();
    const { result, peakKb } = await runAgent(run.env);
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(
      `agent peak RSS (VmHWM): ${Math.round(peakKb / 1024)} MB for ${Math.round((LINES * LINE.length) / 2 ** 20)} MiB of output ` +
        `(cap ${CAP / 2 ** 20} MiB, window ${WINDOW / 1024} KiB) against ${Math.round(baseline.peakKb / 1024)} MB for a tiny execution; run took ${seconds.toFixed(1)} s`,
    );

    expect(result.code, result.stderr).toBe(0);
    const stored = await storedRun(api, run.workflowId);
    const execution = stored.executions.get('flood/out/yes');
    expect(execution?.status).toBe('success');
    expect(execution?.reason).toBe(`log truncated at ${CAP} bytes`);
    const log = execution?.log ?? '';
    const kept = MASKED_LINE.repeat(Math.ceil(CAP / MASKED_LINE.length)).slice(0, CAP);
    const marker = truncationMarker(CAP, LINES * MASKED_LINE.length - CAP);
    expect(log.length).toBe(CAP + marker.length);
    // compared without printing 48 MiB on a failure
    expect(log.slice(0, CAP) === kept, 'the stored log is the masked output up to the cap').toBe(true);
    expect(log.slice(CAP)).toBe(marker);
    expect(log).not.toContain(SECRET);
    expect(execution?.chunks).toEqual(execution?.chunks.map((_, i) => i));
    const { db } = api.harness.database;
    const { logBytes } = await db.execution.findFirstOrThrow({ where: { name: 'yes', stage: { pipeline: { workflowId: run.workflowId } } }, select: { logBytes: true } });
    expect(Number(logBytes)).toBe(CAP + Buffer.byteLength(marker));

    expect(baseline.peakKb, 'sampled the agent').toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(baseline.peakKb + AGENT_RSS_ALLOWANCE_KB);
  }, 240_000);
});
