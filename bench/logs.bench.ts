/**
 * Logs: one execution writes 200 MiB of numbered lines through the real agent (`factory-agent run` in server mode, as
 * a runner starts it: its log window, ordered chunks, acknowledgements) to the real API as its own process
 * (`apps/api/dist/main.js`) and MariaDB, beside the same command writing to /dev/null. Every stored byte is checked, in
 * order; the agent's and the API's peak resident memory are shown beside an idle node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_BIN, createRepo, seedRun } from '../test/agent/harness.js';
import { storedChunkText } from '../apps/api/src/agent/stored-chunk.js';
import { startApi } from '../test/api/harness.js';
import { startBuiltApi } from '../test/support/built-api.js';
import { checkOrderedOutput } from './checks.js';
import { memoryOf, printMemoryTable, printTable, runNode, runProcess, type MemoryMeasurement } from './lib.js';
import { ensureServices, orchestratorBuilt } from './servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MIB = 1024 * 1024;
/** LOGS_BENCH_MIB makes a smoke run small. */
const BYTES = Number(process.env.LOGS_BENCH_MIB ?? 200) * MIB;
/** Each line: its number in 9 digits, a space, 53 letters, a newline: 64 bytes. */
const FILL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0';
const LINE_BYTES = 64;
const LINES = Math.floor(BYTES / LINE_BYTES);
const COMMAND = `awk 'BEGIN { for (i = 0; i < ${LINES}; i++) printf "%09d ${FILL}\\n", i }'`;

/** LOGS_BENCH_NODE_ARGS: node options for the agent and the API, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const nodeArgs = process.env.LOGS_BENCH_NODE_ARGS?.split(' ') ?? [];

/** The line numbered `i`, as the command prints it. */
const line = (i: number) => `${String(i).padStart(9, '0')} ${FILL}\n`;

export default async function bench(): Promise<void> {
  if (!orchestratorBuilt('logs')) return;
  await ensureServices();
  const harness = await startApi();
  const repo = createRepo();
  const workdir = mkdtempSync(join(tmpdir(), 'factory-bench-logs-'));
  let api: Awaited<ReturnType<typeof startBuiltApi>> | undefined;
  try {
    api = await startBuiltApi(harness, { nodeArgs });
    const sha = repo.commit({ '.factory/logs.hcl': `pipeline "logs" {\n  stage "out" {\n    execution "print" {\n      command = ${JSON.stringify(COMMAND)}\n    }\n  }\n}\n` });
    const run = await seedRun({ harness, url: api.url, close: async () => undefined }, { url: repo.bare, sha });
    const { db } = harness.database;
    const { projectId } = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId }, select: { projectId: true } });
    await db.project.update({ where: { id: projectId }, data: { logCapBytes: BYTES + MIB } });

    const idle = await runNode(['-e', 'setTimeout(() => {}, 300)'], root);
    const toDevNull = await runProcess('sh', ['-c', `${COMMAND} > /dev/null`], { cwd: workdir });
    const apiBefore = await memoryOf(api.process.pid as number);
    const agent = await runNode([...nodeArgs, AGENT_BIN, 'run'], workdir, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workdir,
      LANG: 'C.UTF-8',
      FACTORY_RUN_ID: run.workflowId,
      FACTORY_RUN_TOKEN: run.token,
      FACTORY_API_URL: api.url,
      FACTORY_LOG_LEVEL: 'warn',
    });
    const apiAfter = await memoryOf(api.process.pid as number);

    const execution = await db.execution.findFirstOrThrow({ where: { stage: { pipeline: { workflowId: run.workflowId } } }, select: { id: true, status: true, logBytes: true, reason: true } });
    const pages = async function* () {
      for (let seq = -1; ; ) {
        const chunks = await db.logChunk.findMany({ where: { executionId: execution.id, seq: { gt: seq } }, orderBy: { seq: 'asc' }, take: 500, select: { seq: true, encoding: true, data: true, deflated: true } });
        if (chunks.length === 0) return;
        seq = chunks.at(-1)?.seq ?? seq;
        yield chunks.map((chunk) => storedChunkText(chunk));
      }
    };
    const check = await checkOrderedOutput(pages(), LINES, line);
    const mib = (LINES * LINE_BYTES) / MIB;
    const perSecond = (ms: number) => `${((mib * 1000) / ms).toFixed(1)} MiB/s`;
    printTable(
      `logs: one execution writing ${mib.toFixed(0)} MiB (${LINES} numbered lines) — ${perSecond(toDevNull.ms)} to /dev/null, ${perSecond(agent.ms)} through agent → API → MariaDB (the agent's whole run: start, clone, plan, output, reports)`,
      [
        { name: 'the command > /dev/null', runs: 1, medianMs: toDevNull.ms, minMs: toDevNull.ms },
        { name: 'factory-agent run → API → MariaDB', runs: 1, medianMs: agent.ms, minMs: agent.ms },
      ],
      'the command > /dev/null',
    );
    const rows: MemoryMeasurement[] = [
      { name: 'node (idle 300 ms)', bytes: idle.rssBytes },
      { name: 'agent, peak', bytes: agent.peakBytes },
      { name: 'API before the run', bytes: apiBefore.rss },
      { name: 'API, peak (VmHWM after the run)', bytes: apiAfter.hwm },
    ];
    printMemoryTable('logs: resident memory while the execution wrote its output', rows, 'node (idle 300 ms)');
    if (execution.status !== 'success' || !check.ok || Number(execution.logBytes) !== LINES * LINE_BYTES) {
      throw new Error(`logs: not every byte stored in order: execution ${execution.status} (${execution.reason ?? ''}), ${execution.logBytes} bytes counted, ${check.bytes} stored, first wrong line ${check.firstDifference}`);
    }
    console.log(`logs: all ${LINES * LINE_BYTES} bytes stored, in order`);
  } finally {
    api?.stop();
    repo.cleanup();
    rmSync(workdir, { recursive: true, force: true });
    await harness.close();
  }
}
