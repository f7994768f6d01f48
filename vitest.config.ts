import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // a subpath before its package (an alias also matches what starts with its name and "/")
      '@factoryci/config/cron': src('./packages/config/src/cron.ts'),
      '@factoryci/config': src('./packages/config/src/index.ts'),
      '@factoryci/db': src('./packages/db/src/index.ts'),
      '@factoryci/discovery': src('./packages/discovery/src/index.ts'),
      '@factoryci/run-token': src('./packages/run-token/src/index.ts'),
      '@factoryci/queue': src('./packages/queue/src/index.ts'),
      '@factoryci/run-state': src('./packages/run-state/src/index.ts'),
      '@factoryci/agent-protocol': src('./packages/agent-protocol/src/index.ts'),
      '@factoryci/github-app': src('./packages/github-app/src/index.ts'),
      '@factoryci/observe': src('./packages/observe/src/index.ts'),
    },
  },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // the scenarios that kill things run apart: `npm run test:faults` (vitest.faults.config.ts)
    exclude: ['**/node_modules/**', '**/dist/**', 'test/faults/**', 'test/browser/**'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
