import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fault scenarios (`npm run test:faults`): tests that kill Redis, MariaDB, agents, supervisors or the orchestrator
 * and check that every accepted workflow still ends and nothing is left behind (bench/README.md). Same aliases and
 * setup as vitest.config.ts.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // one run of these files alone, not the main suite's projects
    projects: undefined,
    include: ['test/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    // each scenario measures time; running them one by one keeps the figures meaningful on a busy machine
    fileParallelism: false,
  },
});
