/**
 * The web UI (apps/web, built by Vite into static files) at `/`: its files as they are, and its index.html for every
 * other page a browser asks for (a GET that accepts HTML and is no API route, from the app's not-found handler), so
 * links such as /runs/<id> work. Hashed assets are cached for good; index.html never, so a new version is picked up
 * at the next page load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Scripts and styles from this origin only (ANSI colours are inline styles); never framed. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>FactoryCI</title>
<p>The web UI is not built. Run <code>npm run build</code> (or <code>bash scripts/start.sh</code>), then reload.</p>
<p>The API's routes are described at <a href="/docs/json">/docs/json</a>.</p>`;

const PAGE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** Whether a request the API has no route for is a browser asking for a page. */
export const wantsPage = (request: FastifyRequest): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');

/**
 * Serves the built UI of `webDir` on `app` (its files, and `/`); returns the handler that answers any other page with
 * index.html (503 saying how to build the UI when it is not built).
 */
export async function serveWebUi(app: FastifyInstance, webDir: string): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply> {
  const built = existsSync(join(webDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders(res, path) {
        for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  const page = (_request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    reply.headers(PAGE_HEADERS);
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/', { schema: { hide: true }, logLevel: 'warn' }, page);
  return page;
}
