import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../apps/api/src/app.js';
import { loadConfig, type ApiConfig } from '../../apps/api/src/config.js';
import type { LoginAttempts } from '../../apps/api/src/auth/login-attempts.js';
import type { RepositoryPermissions } from '../../apps/api/src/auth/repository-permissions.js';
import type { GithubAppClient } from '../../apps/api/src/github/github-app.js';
import type { Logger } from '../../apps/api/src/logger.js';
// As the orchestrator imports it.
import { WORKFLOW_QUEUE_NAME, type WorkflowJobData } from '@factoryci/queue';
import { createWorkflowQueue, type WorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import type { EventStreamSettings } from '../../apps/api/src/events/stream-settings.js';
import type { ServerLimits } from '../../apps/api/src/server-limits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { testRedisUrl } from '../support/services.js';

export const REDIS_URL = testRedisUrl;
/** A port nothing listens on (a Redis or MySQL that is down). */
export const CLOSED_PORT = 1;
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ApiHarness {
  app: FastifyInstance;
  config: ApiConfig;
  database: TestDatabase;
  queue: WorkflowQueue;
  /** BullMQ key prefix unique to this harness. */
  prefix: string;
  /** A BullMQ Queue on the same prefix, to look at the jobs the API added. */
  jobs: Queue<WorkflowJobData>;
  /** Rebuilds the app with another queue (e.g. Redis down), same database. */
  rebuild(options: { queue?: WorkflowQueue; github?: GithubAppClient | null; events?: Partial<EventStreamSettings> }): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  github?: GithubAppClient | null;
  redisUrl?: string;
  /** The MariaDB server the API's database is made on (createTestDatabase's `serverUrl`); default the test MariaDB. */
  databaseServerUrl?: string;
  logger?: Logger;
  /** The HTTP server's timeouts and body limit (buildApp's default otherwise). */
  serverLimits?: ServerLimits;
  /** The events streams' timings and batch bounds (buildApp's default otherwise). */
  events?: Partial<EventStreamSettings>;
  /** What GitHub says of users' roles on repositories (buildApp's noRepositoryPermissions otherwise). */
  repositoryPermissions?: RepositoryPermissions;
  /** The failed sign-in window (buildApp's default otherwise). */
  loginAttempts?: LoginAttempts;
}

/** A real API on a fresh migrated database and real Redis (unique BullMQ prefix), built with buildApp. */
export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const database = await createTestDatabase(options.databaseServerUrl ? { serverUrl: options.databaseServerUrl } : {});
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl ?? REDIS_URL,
    FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
    FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...options.env,
  });
  const prefix = `factory-test-${randomBytes(6).toString('hex')}`;
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let queue = createWorkflowQueue({ redisUrl: config.redisUrl, prefix });
  let github = options.github ?? null;
  const { serverLimits, repositoryPermissions, loginAttempts } = options;
  let { events } = options;
  let app = await buildApp({ config, db: database.db, queue, github, logger, serverLimits, events, repositoryPermissions, loginAttempts });
  if (!options.redisUrl) await waitUntil(() => queue.ping(), 5000);
  const jobs = new Queue<WorkflowJobData>(WORKFLOW_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });

  const harness: ApiHarness = {
    get app() {
      return app;
    },
    config,
    database,
    get queue() {
      return queue;
    },
    prefix,
    jobs,
    async rebuild(next) {
      await app.close();
      if (next.queue && next.queue !== queue) {
        await queue.close();
        queue = next.queue;
      }
      if (next.github !== undefined) github = next.github;
      if (next.events !== undefined) events = next.events;
      app = await buildApp({ config, db: database.db, queue, github, logger, serverLimits, events, repositoryPermissions, loginAttempts });
    },
    async close() {
      await app.close();
      await queue.close();
      await jobs.obliterate({ force: true }).catch(() => undefined);
      await jobs.close();
      await database.drop();
    },
  };
  return harness;
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The project of the repository GitHub's webhook examples name (Codertocat/Hello-World), created through the admin API. */
export async function createHelloWorldProject(api: ApiHarness): Promise<{ id: string; webhook_secret: string }> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/project',
    headers: adminHeaders,
    payload: { owner: 'Codertocat', project: 'Hello-World', url: 'https://github.com/Codertocat/Hello-World' },
  });
  if (res.statusCode !== 201) throw new Error(`POST /project: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; webhook_secret: string };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
