import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const INCLUDE = ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'];
const EXCLUDE = ['**/node_modules/**', '**/dist/**', 'test/faults/**', 'test/browser/**'];

/** Files that bound a process's memory or a request's time under load, or see every agent on the machine. */
const ALONE = [
  'test/security/intake.test.ts',
  'test/security/local-sandbox.test.ts',
  'test/security/agent-sandbox.test.ts',
  'test/agent/log-cap.test.ts',
  'test/api/events.test.ts',
  'test/ctl/follow-run.test.ts',
  // several real agents, claims with deadlines: two at once with other files made them fail under load in CI
  'test/orchestrator/kubernetes-pool.test.ts',
  'test/security/kubernetes-pool-pod.test.ts',
  'test/e2e/kubernetes-pool.test.ts',
];

/**
 * Files that need a module graph and globals of their own (the main group shares them between the files a worker
 * runs): one checks that the HCL parsers' globals never appear in its thread, two replace a module with `vi.mock`.
 */
const FRESH = ['packages/config/src/isolated-load.test.ts', 'packages/config/src/limits.test.ts', 'apps/orchestrator/src/runners.test.ts'];

export default defineConfig({
  resolve: {
    alias: {
      // a subpath before its package (an alias also matches what starts with its name and "/")
      '@factoryci/config/cron': src('./packages/config/src/cron.ts'),
      '@factoryci/config': src('./packages/config/src/index.ts'),
      '@factoryci/db': src('./packages/db/src/index.ts'),
      '@factoryci/discovery': src('./packages/discovery/src/index.ts'),
      '@factoryci/run-token': src('./packages/run-token/src/index.ts'),
      '@factoryci/git-objects': src('./packages/git-objects/src/index.ts'),
      '@factoryci/queue': src('./packages/queue/src/index.ts'),
      '@factoryci/run-state': src('./packages/run-state/src/index.ts'),
      '@factoryci/agent-protocol': src('./packages/agent-protocol/src/index.ts'),
      '@factoryci/github-app': src('./packages/github-app/src/index.ts'),
      '@factoryci/observe': src('./packages/observe/src/index.ts'),
    },
  },
  test: {
    // the scenarios that kill things run apart: `npm run test:faults` (vitest.faults.config.ts)
    exclude: EXCLUDE,
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time (most of a file's time is waiting for MariaDB, Redis and processes), then the files that
    // measure time or memory or look at every process of the machine, one at a time, after the rest. The first group
    // shares its modules between the files a worker runs (isolate: false): each file importing the API, Prisma and
    // the queue afresh cost ~270 s of the suite's ~770 s; every test builds its own app, database and queue names.
    projects: [
      // (a project that extends the root adds its include and exclude to the root's: the root has no include)
      { extends: true, test: { name: 'main', include: INCLUDE, exclude: [...ALONE, ...FRESH], maxWorkers: 2, isolate: false, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'fresh', include: FRESH, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 2 } } },
    ],
  },
});
