/**
 * Reaction: a signed push accepted by the API (202) → the first execution's process started, with the local runner
 * (the embedded default): the API in this process, the built orchestrator as its own process, real agents and
 * sandboxed executions (test/faults/system.ts), one run at a time, each after the previous one ended, beside a
 * `node -e 0` timed after each run. The parts come from what the system logs with the run id (the orchestrator's
 * `provisioning` and `runner started`, the agent's `run received`, `fetched`, `planned`) and from the execution's
 * own clock (its command prints `date +%s%3N` first); see reaction-marks.ts.
 *
 * REACTION_BENCH_RUNS (default 32) sets the runs per measurement. REACTION_BENCH_POOL_SIZE=n measures twice: with
 * the orchestrator's FACTORY_LOCAL_POOL_SIZE=0 and =n (the warm agent pool's setting; without the pool the
 * orchestrator ignores it and both rows measure the same system).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storedChunkText } from '../apps/api/src/agent/stored-chunk.js';
import { DEFAULT_AGENT_BIN } from '../apps/orchestrator/src/local/local-runner.js';
import { startFaultSystem } from '../test/faults/system.js';
import { latencyOf, printLatencyTable, runNode, type LatencyMeasurement } from './lib.js';
import { clockReadingOf, marksOf, REACTION_PARTS, reactionParts } from './reaction-marks.js';
import { ensureServices, orchestratorBuilt } from './servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.REACTION_BENCH_RUNS ?? 32);
const POOL_SIZE = process.env.REACTION_BENCH_POOL_SIZE;
const FACTORY_FILES = {
  '.factory/ci.hcl': 'pipeline "build" {\n  stage "test" {\n    execution "clock" {\n      command = "date +%s%3N"\n    }\n  }\n}\n',
};

interface Measured {
  totals: number[];
  parts: Map<string, number[]>;
  nodeStarts: number[];
}

/** `RUNS` pushes, one at a time, with the orchestrator's `env` over the fault system's defaults. */
async function measureReaction(env: Record<string, string>): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-reaction-'));
  const agentLog = join(dir, 'agent.log');
  const system = await startFaultSystem({
    orchestratorEnv: {
      // the agent as the local runner starts it, its log lines (stderr) also appended where the bench reads them
      FACTORY_AGENT_COMMAND: JSON.stringify(['sh', '-c', 'exec "$1" "$2" run 2>>"$0"', agentLog, process.execPath, DEFAULT_AGENT_BIN]),
      ...env,
    },
  });
  const measured: Measured = { totals: [], parts: new Map(REACTION_PARTS.map(([name]) => [name, []])), nodeStarts: [] };
  try {
    const project = await system.createProject('reaction', FACTORY_FILES, 1);
    await system.startOrchestrator();
    const db = system.api.database.db;
    // one untimed run first: file caches, and a pool (if any) filled
    for (let run = -1; run < RUNS; run++) {
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
      measured.nodeStarts.push((await runNode(['-e', '0'], root)).ms);
    }
    return measured;
  } finally {
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printReaction(title: string, measured: Measured): void {
  const rows: LatencyMeasurement[] = [
    latencyOf('node -e 0 (spawn to exit, after each run)', measured.nodeStarts),
    latencyOf('push accepted → first execution started', measured.totals),
    // a part whose moments were not logged (e.g. by another agent than today's) has fewer samples, or none
    ...[...measured.parts].filter(([, times]) => times.length > 0).map(([name, times]) => latencyOf(`  ${name}`, times)),
  ];
  printLatencyTable(title, rows, 'node -e 0 (spawn to exit, after each run)');
}

export default async function bench(): Promise<void> {
  if (!orchestratorBuilt('reaction')) return;
  await ensureServices();
  const sets: [string, Record<string, string>][] = POOL_SIZE
    ? [
        ['without the pool (FACTORY_LOCAL_POOL_SIZE=0)', { FACTORY_LOCAL_POOL_SIZE: '0' }],
        [`with the pool (FACTORY_LOCAL_POOL_SIZE=${POOL_SIZE})`, { FACTORY_LOCAL_POOL_SIZE: POOL_SIZE }],
      ]
    : [['the orchestrator\'s default', {}]];
  for (const [what, env] of sets) {
    printReaction(`reaction: a push accepted → the first execution's process started, local runner, ${what}, ${RUNS} runs one at a time (the parts: p50/p95 of each on its own)`, await measureReaction(env));
  }
}
