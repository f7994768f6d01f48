/**
 * An outage is not a verdict: a run followed while MySQL is unreachable for a while is neither cancelled nor lost.
 * The database is cut with a TCP switch between the orchestrator's client and MariaDB (as in worker.test.ts); the
 * test reads and writes through its own, direct client.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@factoryci/db';
import { staticRunHealthWatcher } from '@factoryci/discovery';
import { deriveRunTokenKey } from '@factoryci/run-token';
import { createLocalRunner } from '../../apps/orchestrator/src/local/local-runner.js';
import { createCancelRegistry } from '../../apps/orchestrator/src/processing/cancellations.js';
import { processWorkflow } from '../../apps/orchestrator/src/processing/process-workflow.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTcpSwitch, waitFor } from './helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const AGENT = fileURLToPath(new URL('./fixtures/fake-agent.ts', import.meta.url));
const agentDir = mkdtempSync(join(tmpdir(), 'factoryci-outage-agent-'));
const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-outage-test-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
  rmSync(agentDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

interface LogLine {
  msg: string;
  runId?: string;
  down?: string;
  why?: string;
}

describe('a run followed through a database outage', () => {
  it('is not cancelled while MySQL is unreachable, and its end is written once MySQL is back', async () => {
    const url = new URL(database.url);
    const outage = await startTcpSwitch(Number(url.port), true);
    url.port = String(outage.port);
    url.search = '?connect_timeout=1&pool_timeout=1&connection_limit=2';
    const flaky = createDb(url.toString());
    const lines: LogLine[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    try {
      const owner = await database.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
      const project = await database.db.project.create({ data: { ownerId: owner.id, name: 'app', url: 'https://git.example.com/a/b.git', webhookSecretEncrypted: 'x' } });
      const { id } = await database.db.workflow.create({ data: { projectId: project.id, number: 1, event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40), status: 'queued' } });
      const processing = processWorkflow(
        { data: { workflowId: id } },
        {
          db: flaky,
          runner: createLocalRunner({ logger, stateDir, apiUrl: 'http://127.0.0.1:1', killGraceMs: 300, pollMs: 50, command: ['sh', '-c', `FAKE_AGENT_DIR="${agentDir}" exec "${process.execPath}" --import "${TSX}" "${AGENT}"`] }),
          health: staticRunHealthWatcher(),
          runTokenKey: deriveRunTokenKey(randomBytes(32)),
          cancels: createCancelRegistry(),
          logger,
          settings: { statusPollMs: 200 },
        },
      );
      const status = async () => (await database.db.workflow.findUniqueOrThrow({ where: { id } })).status;
      await waitFor(async () => existsSync(join(agentDir, `${id}.starts`)) && (await status()) === 'running', 20_000);
      const agentPid = Number(readFileSync(join(agentDir, `${id}.starts`), 'utf8').trim());

      // MySQL away for a while (many status checks fail): the run goes on
      outage.up = false;
      await waitFor(() => lines.some((line) => line.msg === "cannot check the workflow's status; the run goes on, asking again"), 10_000);
      await sleep(2000);
      outage.up = true;
      await waitFor(() => lines.some((line) => line.msg === "the workflow's status can be read again"), 15_000);
      expect(await status()).toBe('running');
      expect(() => process.kill(agentPid, 0)).not.toThrow(); // the agent was not stopped

      // away again when the agent ends (without a report): the end is written when MySQL is back, not lost
      outage.up = false;
      writeFileSync(join(agentDir, `${id}.exit`), '0');
      await waitFor(() => lines.some((line) => line.msg === 'the database cannot be asked; asking again'), 15_000);
      outage.up = true;
      const result = await processing;
      expect(result).toEqual({ kind: 'ended', status: 'error', reason: "AgentNoReport: the agent ended without reporting the run's result" });
      expect(await status()).toBe('error');

      expect(lines.filter((line) => line.msg === 'cancelling')).toEqual([]);
      const warning = lines.find((line) => line.msg === "cannot check the workflow's status; the run goes on, asking again");
      expect(warning).toMatchObject({ runId: id, down: 'database', why: expect.stringMatching(/^the workflow's status could not be read: /) });
    } finally {
      outage.up = true;
      await flaky.$disconnect();
      await outage.close();
    }
  }, 90_000);
});
