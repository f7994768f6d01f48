import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../usage.js';
import { checkClaimSettings, isPooled, isServerMode, serverSettings } from './server-args.js';

const dir = mkdtempSync(join(tmpdir(), 'factory-token-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const api = { FACTORY_API_URL: 'http://api.test:8080' };

describe('the run token of a server run', () => {
  it('is read from FACTORY_RUN_TOKEN_FILE or --token-file (a Secret volume on Kubernetes), one trailing newline dropped', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'frt_abc.def\n', { mode: 0o400 });
    const workdir = join(dir, 'work');
    expect((await serverSettings({ workdir }, { ...api, FACTORY_RUN_TOKEN_FILE: file })).token).toBe('frt_abc.def');
    expect((await serverSettings({ workdir, 'token-file': file }, api)).token).toBe('frt_abc.def');
    // the local runner's way stays
    expect((await serverSettings({ workdir }, { ...api, FACTORY_RUN_TOKEN: 'frt_env.sig' })).token).toBe('frt_env.sig');
    expect(isServerMode({}, { FACTORY_RUN_TOKEN_FILE: file })).toBe(true);
    expect(isServerMode({ 'token-file': file }, {})).toBe(true);
    expect(isServerMode({ event: 'push' }, { FACTORY_RUN_TOKEN_FILE: file })).toBe(false);
  });

  it('is a usage error when given twice, missing, unreadable or not one token', async () => {
    const workdir = join(dir, 'work');
    const file = join(dir, 'token2');
    writeFileSync(file, 'frt_abc.def');
    const blank = join(dir, 'blank');
    writeFileSync(blank, '\n');
    const twoLines = join(dir, 'two');
    writeFileSync(twoLines, 'frt_a\nfrt_b\n');
    const cases: [Record<string, string | undefined>, Record<string, string>, RegExp][] = [
      [{ workdir }, { ...api, FACTORY_RUN_TOKEN: 'frt_x', FACTORY_RUN_TOKEN_FILE: file }, /give the run token once/],
      [{ workdir }, api, /a server run needs its run token: --token <token> \(FACTORY_RUN_TOKEN\) or --token-file <path>/],
      [{ workdir, 'token-file': join(dir, 'nope') }, api, /--token-file .*nope: cannot read it \(ENOENT\)/],
      [{ workdir, 'token-file': blank }, api, /holds no run token/],
      [{ workdir, 'token-file': twoLines }, api, /holds no run token/],
    ];
    for (const [values, env, message] of cases) {
      const settings = serverSettings(values, env);
      await expect(settings).rejects.toBeInstanceOf(UsageError);
      await expect(settings).rejects.toThrow(message);
    }
  });
});

describe('the services of a server run', () => {
  it('are read from FACTORY_SERVICES (none when unset), with their readiness timeout; bad JSON is a usage error', async () => {
    const workdir = join(dir, 'work');
    const env = { ...api, FACTORY_RUN_TOKEN: 'frt_x' };
    const unset = await serverSettings({ workdir }, env);
    expect(unset.services).toBeUndefined();
    expect(unset.servicesTimeoutMs).toBe(300_000);
    const set = await serverSettings({ workdir }, { ...env, FACTORY_SERVICES: '[{"name":"db","ports":[3306]}]', FACTORY_SERVICES_TIMEOUT_SECONDS: '60' });
    expect(set.services).toEqual([{ name: 'db', ports: [3306] }]);
    expect(set.servicesTimeoutMs).toBe(60_000);
    await expect(serverSettings({ workdir }, { ...env, FACTORY_SERVICES: 'db' })).rejects.toThrow(new UsageError('FACTORY_SERVICES is not JSON'));
  });
});

describe('a pooled agent (FACTORY_AGENT_CLAIM)', () => {
  it('is a server run whose run id and token come from its claim, not from the environment', async () => {
    const workdir = join(dir, 'work');
    const env = { ...api, FACTORY_AGENT_CLAIM: 'stdin' };
    expect(isServerMode({}, env)).toBe(true);
    expect(isPooled(env)).toBe(true);
    expect(isPooled(api)).toBe(false);
    expect(isServerMode({ event: 'push' }, env)).toBe(false);
    expect(() => checkClaimSettings({}, env)).not.toThrow();
    const settings = await serverSettings({ workdir }, { ...env, FACTORY_RUN_ID: 'not-this-one' }, { runId: 'wf-7', token: 'frt_claimed' });
    expect(settings).toMatchObject({ runId: 'wf-7', token: 'frt_claimed', apiUrl: api.FACTORY_API_URL });
  });

  it('refuses another claim channel, and a token given besides the claim', () => {
    expect(() => checkClaimSettings({}, { ...api, FACTORY_AGENT_CLAIM: 'fd3' })).toThrow(/not a claim channel/);
    for (const [values, extra] of [
      [{}, { FACTORY_RUN_TOKEN: 'frt_x' }],
      [{}, { FACTORY_RUN_TOKEN_FILE: '/run/token' }],
      [{ token: 'frt_x' }, {}],
      [{ 'token-file': '/run/token' }, {}],
    ] as const) {
      expect(() => checkClaimSettings(values, { ...api, FACTORY_AGENT_CLAIM: 'stdin', ...extra })).toThrow(/gets its run token when it is claimed/);
      expect(() => checkClaimSettings(values, { ...network, ...extra })).toThrow(/gets its run token when it is claimed/);
    }
  });

  const network = { FACTORY_AGENT_CLAIM: 'network', FACTORY_AGENT_CLAIM_KEY_FILE: '/k/key', FACTORY_AGENT_POD_NAME: 'p-1', FACTORY_CONSUL_URL: 'http://consul:8500' };
  it('takes a network claim with its key file, its pod name and Consul, and refuses it without any of them', () => {
    expect(() => checkClaimSettings({}, network)).not.toThrow();
    expect(() => checkClaimSettings({ consul: 'http://consul:8500' }, { ...network, FACTORY_CONSUL_URL: undefined })).not.toThrow();
    expect(() => checkClaimSettings({}, { ...network, FACTORY_AGENT_CLAIM_KEY_FILE: undefined })).toThrow(/needs FACTORY_AGENT_CLAIM_KEY_FILE/);
    expect(() => checkClaimSettings({}, { ...network, FACTORY_AGENT_POD_NAME: '' })).toThrow(/needs FACTORY_AGENT_POD_NAME/);
    expect(() => checkClaimSettings({}, { ...network, FACTORY_CONSUL_URL: undefined })).toThrow(/registers in Consul/);
  });
});
