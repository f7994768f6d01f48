import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGithubAppClient } from '../../apps/api/src/github/github-app.js';
import { createLogger } from '../../apps/api/src/logger.js';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';
import type { GithubStandin } from '../standins/github/server.js';
import { deliver } from './deliver.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, startApi, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});
const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({ id: 5, account: { login: 'acme', id: 1, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { repository_hooks: 'write' } });
  github.addUser({ login: 'alice', id: 2, type: 'User' }, [5]);
  api = await startApi({
    env: { PUBLIC_URL: 'https://ci.example.com' },
    github: createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: 'https://github.com' }),
    logger: createLogger('trace', sink),
  });
});
afterAll(async () => {
  await api.close();
  await github.close();
});

it('logs requests without tokens, secrets, signatures or OAuth codes', async () => {
  const code = github.issueOAuthCode('alice');
  expect((await api.app.inject({ method: 'GET', url: `/github/setup?installation_id=5&setup_action=install&code=${code}` })).statusCode).toBe(200);
  const created = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'acme', project: 'widgets', url: 'https://github.com/acme/widgets' } });
  const secret = created.json().webhook_secret as string;
  const payload = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), repository: { id: 1, full_name: 'acme/widgets' } };
  const res = await deliver(api.app, { event: 'push', payload, secret });
  expect(res.statusCode).toBe(202);

  const log = lines.join('');
  expect(log).toContain('incoming request');
  expect(log).toContain('/github/setup?installation_id=5&setup_action=install&code=%5Bredacted%5D');
  expect(log).toContain('webhook verified');
  for (const secretText of [code, secret, ADMIN_TOKEN, identity.config.clientSecret, signPayload(secret, JSON.stringify(payload))]) {
    expect(log).not.toContain(secretText);
  }
  // Installation tokens GitHub handed out never reach the log either.
  const tokens = github.requests.filter((r) => r.path.endsWith('/access_tokens')).length;
  expect(tokens).toBeGreaterThan(0);
  expect(log).not.toMatch(/ghs_[0-9a-f]{10}/);
  expect(log).not.toMatch(/ghu_[0-9a-f]{10}/);
});
