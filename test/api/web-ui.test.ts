/** The API serves the web UI's built files at `/`, and its index.html for any page a browser asks for. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

const INDEX = '<!doctype html><title>FactoryCI</title><div id="app"></div><script type="module" src="/assets/index-abc123.js"></script>';
const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('a built UI', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    const webDir = mkdtempSync(join(tmpdir(), 'factory-web-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log("ui")');
    api = await startApi({ env: { FACTORY_WEB_DIR: webDir } });
  });
  afterAll(() => api.close());

  it('is index.html at / with a strict content security policy, never cached', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('serves hashed assets to be cached for good', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("ui")');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it("answers the UI's pages (a browser's GET for HTML) with index.html, so links such as /runs/<id> work", async () => {
    for (const url of ['/runs/5b1d7f3e-0000-4000-8000-000000000000', '/projects/x/settings', '/sign-in?return_to=%2F']) {
      const res = await api.app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
    }
  });

  it('keeps the API: routes answer as before, and unknown paths asked for as JSON are 404 JSON', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/projects', headers: adminHeaders })).json()).toEqual(expect.any(Array));
    expect((await api.app.inject({ method: 'GET', url: '/projects', headers: html })).statusCode).toBe(401);
    const missing = await api.app.inject({ method: 'GET', url: '/runs/1', headers: { accept: 'application/json' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'no route GET /runs/1' });
    const post = await api.app.inject({ method: 'POST', url: '/runs/1', headers: html });
    expect(post.statusCode).toBe(404);
    expect(api.app.printRoutes()).not.toContain('*');
  });

  it('says how to sign in: password and token always, GitHub when the App is configured', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/auth/methods' });
    expect(res.json()).toEqual({ password: true, github: false, token: true });
  });
});

describe('a UI that is not built', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ env: { FACTORY_WEB_DIR: join(tmpdir(), 'factory-web-missing-dir') } });
  });
  afterAll(() => api.close());

  it('answers its pages with a 503 that says how to build it', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/runs/1', headers: html });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
  });
});
