import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The web UI's tests in a real browser (`npm run test:browser`): Chromium driven by playwright-core against the whole
 * system (test/browser/harness.ts). Same aliases and setup as vitest.config.ts; one file at a time.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // one run of these files alone, not the main suite's projects
    projects: undefined,
    include: ['test/browser/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    setupFiles: ['./test/browser/failure-report.ts'],
  },
});
