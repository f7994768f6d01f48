/**
 * Reaction: a signed push accepted by the API (202) → the first execution's process started, with the local runner
 * (the embedded default): the API in this process, the built orchestrator as its own process, real agents and
 * sandboxed executions (test/faults/system.ts), one run at a time, each after the previous one ended, beside a
 * `node -e 0` timed after each run. The parts come from what the system logs with the run id (the orchestrator's
 * `provisioning` and `claimed a warm agent` or `runner started`, the agent's `run received`, `fetched`, `planned`) and
 * from the execution's own clock (its command prints `date +%s%3N` first); see reaction-marks.ts.
 *
 * Two ways to push: at rest (what a push to an idle system sees: before each push, and before each `node -e 0`, the
 * machine's CPU is let come to rest, quiet.ts: the previous run's agent gone, its directory removed, the pool's
 * replacement agent warm) and back to back (each push as soon as the previous run is final, while all of that still
 * goes on, on the same two cores).
 *
 * REACTION_BENCH_RUNS (default 32) sets the runs per measurement; REACTION_BENCH_POOL_SIZE (default 2, as
 * `scripts/start.sh` sets it) the orchestrator's FACTORY_LOCAL_POOL_SIZE for the rows with the pool. Measured: without
 * the pool at rest, with the pool at rest (the goal's row), with the pool back to back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storedChunkText } from '../apps/api/src/agent/stored-chunk.js';
import { DEFAULT_AGENT_BIN } from '../apps/orchestrator/src/local/local-runner.js';
import { startFaultSystem } from '../test/faults/system.js';
import { latencyOf, printLatencyTable, runNode, type LatencyMeasurement } from './lib.js';
import { waitUntilQuiet } from './quiet.js';
import { clockReadingOf, marksOf, REACTION_PARTS, reactionParts } from './reaction-marks.js';
import { ensureServices, orchestratorBuilt } from './servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.REACTION_BENCH_RUNS ?? 32);
const POOL_SIZE = process.env.REACTION_BENCH_POOL_SIZE ?? '2';
const FACTORY_FILES = {
  '.factory/ci.hcl': 'pipeline "build" {\n  stage "test" {\n    execution "clock" {\n      command = "date +%s%3N"\n    }\n  }\n}\n',
};

interface Measured {
  totals: number[];
  parts: Map<string, number[]>;
  nodeStarts: number[];
  /** At rest: how many waits for rest gave up (the machine stayed busy for quiet.ts's 5 s). */
  restless: number;
}

/**
 * `RUNS` pushes, one at a time, with the orchestrator's `env` over the fault system's defaults; `atRest`: each push,
 * and each `node -e 0`, once the machine's CPU is at rest (quiet.ts).
 */
async function measureReaction(env: Record<string, string>, atRest: boolean): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-reaction-'));
  const agentLog = join(dir, 'agent.log');
  const system = await startFaultSystem({
    orchestratorEnv: {
      // the agent as the local runner starts it, its log lines (stderr) also appended where the bench reads them
      FACTORY_AGENT_COMMAND: JSON.stringify(['sh', '-c', 'exec "$1" "$2" run 2>>"$0"', agentLog, process.execPath, DEFAULT_AGENT_BIN]),
      ...env,
    },
  });
  const measured: Measured = { totals: [], parts: new Map(REACTION_PARTS.map(([name]) => [name, []])), nodeStarts: [], restless: 0 };
  const settle = async () => {
    if (atRest && !(await waitUntilQuiet()).quiet) measured.restless += 1;
  };
  try {
    const project = await system.createProject('reaction', FACTORY_FILES, 1);
    await system.startOrchestrator();
    const db = system.api.database.db;
    // one untimed run first: file caches, and a pool (if any) filled
    for (let run = -1; run < RUNS; run++) {
      await settle();
      const workflowId = await project.push();
      const accepted = Date.now();
      await system.waitAllFinal([workflowId], 120_000);
      const chunk = await db.logChunk.findFirst({ where: { seq: 0, execution: { stage: { pipeline: { workflowId } } } }, select: { encoding: true, data: true, deflated: true } });
      const marks = marksOf(workflowId, { orchestrator: system.orchestrators[0]?.output() ?? '', agent: readFileSync(agentLog, 'utf8') });
      const executionStarted = clockReadingOf(chunk ? storedChunkText(chunk) : '');
      if (executionStarted === undefined) {
        // what the run's agent logged, to tell why
        const said = readFileSync(agentLog, 'utf8').split('\n').filter((line) => line.includes(workflowId)).slice(-20).join('\n');
        throw new Error(`reaction: run ${workflowId} (${JSON.stringify(await system.countByStatus([workflowId]))}) printed no clock reading; its agent logged:\n${said}`);
      }
      if (run < 0) continue;
      const { parts, totalMs } = reactionParts({ ...marks, accepted, executionStarted });
      measured.totals.push(totalMs);
      for (const [name, ms] of Object.entries(parts)) measured.parts.get(name)?.push(ms);
      await settle();
      measured.nodeStarts.push((await runNode(['-e', '0'], root)).ms);
    }
    return measured;
  } finally {
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const NODE_ROW = 'node -e 0 (spawn to exit, after each run)';

function printReaction(title: string, measured: Measured): void {
  const rows: LatencyMeasurement[] = [
    latencyOf(NODE_ROW, measured.nodeStarts),
    latencyOf('push accepted → first execution started', measured.totals),
    // a part whose moments were not logged (e.g. by another agent than today's) has fewer samples, or none
    ...[...measured.parts].filter(([, times]) => times.length > 0).map(([name, times]) => latencyOf(`  ${name}`, times)),
  ];
  const restless = measured.restless > 0 ? `; the machine did not come to rest within 5 s before ${measured.restless} of the pushes and node -e 0 runs` : '';
  printLatencyTable(`${title}${restless}`, rows, NODE_ROW);
}

export default async function bench(): Promise<void> {
  if (!orchestratorBuilt('reaction')) return;
  await ensureServices();
  const pooled = { FACTORY_LOCAL_POOL_SIZE: POOL_SIZE };
  const sets: [string, Record<string, string>, boolean][] = [
    ['without the pool (FACTORY_LOCAL_POOL_SIZE=0), at rest', { FACTORY_LOCAL_POOL_SIZE: '0' }, true],
    [`with the pool (FACTORY_LOCAL_POOL_SIZE=${POOL_SIZE}), at rest`, pooled, true],
    [`with the pool (FACTORY_LOCAL_POOL_SIZE=${POOL_SIZE}), back to back (each push as soon as the previous run is final)`, pooled, false],
  ];
  for (const [what, env, atRest] of sets) {
    printReaction(`reaction: a push accepted → the first execution's process started, local runner, ${what}, ${RUNS} runs one at a time (the parts: p50/p95 of each on its own)`, await measureReaction(env, atRest));
  }
}
