import { defineConfig } from 'vite';

/**
 * The UI is static files (dist/) that the API serves at `/` (apps/api/src/routes/web-ui.ts). `npm run dev -w
 * @factoryci/web` serves it with hot reload and sends the API's paths to FACTORY_API_URL (default the local API).
 */
const api = process.env.FACTORY_API_URL ?? 'http://127.0.0.1:8080';
const apiPaths = ['/auth', '/me', '/user', '/users', '/owner', '/owners', '/project', '/projects', '/workflow', '/workflows', '/execution', '/github', '/docs', '/healthz'];

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])) },
});
