/**
 * The built factory-agent as a pooled agent (FACTORY_AGENT_CLAIM=stdin; docs/runners.md "Warm agents"), against a
 * stand-in API that records what it is asked: it warms up holding no run token and asks nothing (its workdir made an
 * empty repository meanwhile); once its claim line
 * arrives it asks for the run that line names with the token the line carries; and it exits 75 having asked nothing
 * when its claim channel closes without a claim. While it waits, the reader of its repository's objects (one
 * `git cat-file --batch-command`) is started; it is gone once the agent exits, claimed or not. (A claimed agent running a whole run against the real API, through the
 * orchestrator: test/e2e/local-pool.test.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, waitFor } from './harness.js';

const requests: { method: string; url: string; authorization: string | undefined }[] = [];
let server: Server;
let apiUrl: string;

beforeAll(async () => {
  // the token is refused (401): the agent then stops at once, having shown which token it used
  server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"run token refused"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The `git cat-file --batch-command` processes working in `workdir`, with their parent. */
function objectReadersIn(workdir: string): { pid: number; ppid: number }[] {
  const readers: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') !== 'git\0cat-file\0--batch-command\0' || readlinkSync(`/proc/${entry}/cwd`) !== workdir) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      readers.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return readers;
}

function startPooledAgent() {
  const workdir = mkdtempSync(join(tmpdir(), 'factory-pooled-agent-'));
  const child = spawn(process.execPath, [AGENT_BIN, 'run'], {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workdir, LANG: 'C.UTF-8', FACTORY_AGENT_CLAIM: 'stdin', FACTORY_API_URL: apiUrl, FACTORY_REPORT_GIVE_UP_SECONDS: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, workdir, stdout: () => stdout, stderr: () => stderr, done, cleanup: () => rmSync(workdir, { recursive: true, force: true }) };
}

describe('factory-agent run as a pooled agent', () => {
  it('warms up without a token and asks nothing; claimed, it asks for the claimed run with the claim\'s token', async () => {
    const agent = startPooledAgent();
    try {
      await waitFor(() => agent.stdout().includes('factory-agent: warm; waiting to be claimed'), 20_000, 'the agent warming up');
      const environ = readFileSync(`/proc/${agent.child.pid}/environ`, 'utf8');
      expect(environ).not.toMatch(/FACTORY_RUN_TOKEN|FACTORY_RUN_ID/);
      expect(requests).toEqual([]);
      // its workdir is an empty repository already (the checkout's `git init`, done while it waits): no template, no hooks
      expect(readFileSync(join(agent.workdir, '.git', 'HEAD'), 'utf8')).toMatch(/^ref: refs\/heads\//);
      expect(readdirSync(join(agent.workdir, '.git')).sort()).toEqual(['HEAD', 'config', 'objects', 'refs']);
      // …and the reader of its objects is running (reading .factory/ once fetched starts no process)
      expect(objectReadersIn(agent.workdir)).toEqual([{ pid: expect.any(Number), ppid: agent.child.pid }]);

      agent.child.stdin.end(`${JSON.stringify({ runId: 'wf-claimed', token: 'frt_claimed.token' })}\n`);
      expect(await agent.done).toBe(1);
      expect(agent.stdout()).toContain('factory-agent: claimed for run wf-claimed');
      expect(requests[0]).toEqual({ method: 'GET', url: '/agent/v1/run', authorization: 'Bearer frt_claimed.token' });
      expect(agent.stderr()).toContain('"runId":"wf-claimed"');
      expect(agent.stderr()).not.toContain('frt_claimed.token');
      await waitFor(() => objectReadersIn(agent.workdir).length === 0, 5000, 'the object reader gone');
    } finally {
      agent.child.kill('SIGKILL');
      agent.cleanup();
    }
  });

  it('exits 75 having asked nothing when its claim channel closes without a claim; a bad claim is a usage error', async () => {
    requests.length = 0;
    const unclaimed = startPooledAgent();
    const bad = startPooledAgent();
    try {
      unclaimed.child.stdin.end();
      bad.child.stdin.end('{"runId":"wf-1"}\n');
      expect(await unclaimed.done).toBe(75);
      expect(unclaimed.stdout()).toContain('the claim channel closed before a claim');
      expect(await bad.done).toBe(2);
      expect(bad.stderr()).toContain('the claim has no valid token');
      expect(requests).toEqual([]);
      await waitFor(() => [unclaimed, bad].every((agent) => objectReadersIn(agent.workdir).length === 0), 5000, 'the object readers gone');
    } finally {
      unclaimed.cleanup();
      bad.cleanup();
    }
  });
});
