/**
 * The built factory-agent as an idle agent of the Kubernetes pool (FACTORY_AGENT_CLAIM=network; docs/runners.md "Warm
 * agents on Kubernetes"), against the Consul stand-in and a stand-in API that records what it is asked: it registers
 * in Consul as an idle `factory-agent` instance and heart-beats it, holding no run token and asking the API nothing; a
 * claim sealed with a wrong key is refused and it goes on waiting; the claim sealed with its key is answered with
 * proof of the key, the idle instance goes, and the agent asks for the claimed run with the claimed token. A pod
 * without its key fails at once. (Through the orchestrator and the Kubernetes stand-in: test/orchestrator/kubernetes-pool.test.ts.)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newClaim, openAnswer, sealClaimMessage } from '@factoryci/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { AGENT_BIN, waitFor } from './harness.js';

const requests: { method: string; url: string; authorization: string | undefined }[] = [];
let server: Server;
let apiUrl: string;
let consul: ConsulStandin;

beforeAll(async () => {
  consul = await startConsulStandin();
  // the token is refused (401): the agent then stops at once, having shown which token it used
  server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"run token refused"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await consul.close();
});

function startIdleAgent(pod: string, key: Buffer | undefined) {
  const workdir = mkdtempSync(join(tmpdir(), 'factory-idle-agent-'));
  const keyFile = join(workdir, 'claim-key');
  if (key) writeFileSync(keyFile, key, { mode: 0o400 });
  const child = spawn(process.execPath, [AGENT_BIN, 'run'], {
    cwd: workdir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workdir,
      LANG: 'C.UTF-8',
      FACTORY_AGENT_CLAIM: 'network',
      FACTORY_AGENT_CLAIM_KEY_FILE: keyFile,
      FACTORY_AGENT_POD_NAME: pod,
      FACTORY_AGENT_ADDRESS: '127.0.0.1',
      FACTORY_CONSUL_URL: consul.url,
      FACTORY_CONSUL_TTL_SECONDS: '2',
      FACTORY_API_URL: apiUrl,
      FACTORY_REPORT_GIVE_UP_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, done, cleanup: () => rmSync(workdir, { recursive: true, force: true }) };
}

const idleInstance = (pod: string) => consul.services().find((service) => service.ID === `idle-${pod}`);

describe('factory-agent run as an idle agent of the Kubernetes pool', () => {
  it('registers idle in Consul without a token; refuses a wrong key; takes the claim sealed with its key, proves it, and runs the claimed run', async () => {
    const key = randomBytes(32);
    const pod = 'factory-idle-00aa11bb22-abcde';
    const agent = startIdleAgent(pod, key);
    try {
      await waitFor(() => agent.stdout().includes('waiting to be claimed on port'), 20_000, 'the agent warming up');
      const instance = idleInstance(pod);
      expect(instance).toMatchObject({ Service: 'factory-agent', Tags: ['idle'], Meta: { pod }, Address: '127.0.0.1' });
      const environ = readFileSync(`/proc/${agent.child.pid}/environ`, 'utf8');
      expect(environ).not.toMatch(/FACTORY_RUN_TOKEN|FACTORY_RUN_ID/);
      expect(requests).toEqual([]);
      // it heart-beats its TTL check
      await waitFor(() => consul.requests.some((request) => request.path === `/v1/agent/check/pass/service:idle-${pod}`), 5000, 'a heartbeat');
      expect(consul.checks().find((check) => check.ServiceID === `idle-${pod}`)?.Status).toBe('passing');

      const url = `http://127.0.0.1:${instance?.Port}/claim`;
      const claim = newClaim({ runId: 'wf-net', token: 'frt_network.token' }, pod);
      const wrong = await fetch(url, { method: 'POST', body: JSON.stringify({ sealed: sealClaimMessage(randomBytes(32), 'claim', pod, claim) }) });
      expect(wrong.status).toBe(403);
      // the agent logs the refusal after answering it: the line may come through its pipe a moment after the answer
      await waitFor(() => agent.stdout().includes('refused a claim (403 refused)'), 10_000, 'the refusal logged');
      expect(idleInstance(pod)).toBeDefined();
      expect(requests).toEqual([]);

      const good = await fetch(url, { method: 'POST', body: JSON.stringify({ sealed: sealClaimMessage(key, 'claim', pod, claim) }) });
      expect(good.status).toBe(200);
      expect(openAnswer(key, pod, ((await good.json()) as { sealed: string }).sealed, claim)).toEqual({ runId: 'wf-net', nonce: claim.nonce });
      expect(await agent.done).toBe(1);
      expect(agent.stdout()).toContain('factory-agent: claimed for run wf-net');
      expect(idleInstance(pod)).toBeUndefined();
      expect(requests[0]).toEqual({ method: 'GET', url: '/agent/v1/run', authorization: 'Bearer frt_network.token' });
      expect(agent.stderr()).not.toContain('frt_network.token');
    } finally {
      agent.child.kill('SIGKILL');
      agent.cleanup();
    }
  });

  it('fails at once, registering nothing, without its claim key; deregisters when stopped before a claim', async () => {
    requests.length = 0;
    const keyless = startIdleAgent('factory-idle-keyless-1', undefined);
    const stopped = startIdleAgent('factory-idle-stopped-1', randomBytes(32));
    try {
      expect(await keyless.done).toBe(2);
      expect(keyless.stderr()).toContain('FACTORY_AGENT_CLAIM_KEY_FILE');
      expect(idleInstance('factory-idle-keyless-1')).toBeUndefined();
      await waitFor(() => stopped.stdout().includes('waiting to be claimed'), 20_000, 'the agent warming up');
      expect(idleInstance('factory-idle-stopped-1')).toBeDefined();
      stopped.child.kill('SIGTERM');
      expect(await stopped.done).toBe(75);
      expect(idleInstance('factory-idle-stopped-1')).toBeUndefined();
      expect(requests).toEqual([]);
    } finally {
      keyless.cleanup();
      stopped.cleanup();
    }
  });
});
