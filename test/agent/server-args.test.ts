import { describe, expect, it } from 'vitest';
import { startAgent } from './harness.js';

describe('factory-agent run: choosing server mode', () => {
  it('treats server-mode mistakes as usage errors (exit 2)', async () => {
    const noToken = await startAgent({}, ['--server', 'http://127.0.0.1:1']).done;
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('a server run needs its run token');

    const noApi = await startAgent({ FACTORY_RUN_TOKEN: 'frt_x.y' }).done;
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toContain('a server run needs the API');

    const mixed = await startAgent({}, ['--token', 'frt_x.y', '--server', 'http://127.0.0.1:1', '--event', 'push']).done;
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--event does not apply to a server run');

    const badUrl = await startAgent({ FACTORY_RUN_TOKEN: 'frt_x.y', FACTORY_API_URL: 'ftp://api' }).done;
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('is not an http(s) URL');
  });

  it('runs locally when --event is given, even with FACTORY_RUN_TOKEN set; the token never shows', async () => {
    const local = await startAgent({ FACTORY_RUN_TOKEN: 'frt_secret-token.sig' }, ['--event', 'push', '--branch', 'main']).done;
    expect(local.code).toBe(2); // a local run of an empty workspace: no .factory there
    expect(local.stderr).toContain('.factory: directory not found');
    expect(local.stdout + local.stderr).not.toContain('frt_secret');
  });

  it('exits 1 and says why when the API refuses the token', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"not a valid run token (signature)"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as { port: number };
      const token = 'frt_eyJ3aWQiOiJ3Zi0xIiwiZXhwIjoxfQ.c2ln';
      const result = await startAgent({ FACTORY_RUN_TOKEN: token, FACTORY_API_URL: `http://127.0.0.1:${port}` }).done;
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { runId: string; msg: string; error?: string });
      expect(lines.at(-2)).toMatchObject({ runId: 'wf-1', msg: 'could not start the run with the API' });
      expect(lines.at(-2)?.error).toContain('HTTP 401');
      expect(result.stderr).not.toContain(token);
    } finally {
      server.close();
    }
  });
});
