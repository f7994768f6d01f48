import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hiddenPaths, localSandboxSettings, passwdUser, probeBwrap, resolveLocalSandbox, sandboxAgentEnv, SandboxUnavailableError, untraversable } from './local-sandbox.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nfactory-run:x:998:997::/nonexistent:/usr/sbin/nologin\n';

describe('the local sandbox', () => {
  it('runs executions as the factory-run user, else nobody', async () => {
    expect(passwdUser(PASSWD, 'factory-run')).toEqual({ uid: 998, gid: 997 });
    expect(passwdUser(PASSWD, 'missing')).toBeUndefined();
    const ok = async () => undefined;
    expect(await resolveLocalSandbox({}, '/runs', ok, 0, () => PASSWD)).toMatchObject({ kind: 'bwrap', uid: 998, gid: 997, network: 'host' });
    expect(await resolveLocalSandbox({}, '/runs', ok, 0, () => 'root:x:0:0::/root:/bin/sh\n')).toMatchObject({ kind: 'bwrap', uid: 65534, gid: 65534 });
    expect(await resolveLocalSandbox({ uid: 5000, gid: 5001, network: 'none' }, '/runs', ok, 0, () => PASSWD)).toMatchObject({ uid: 5000, gid: 5001, network: 'none' });
  });

  it('falls back to none (untrusted runs refused) in auto mode, and fails in bwrap mode, when it cannot work', async () => {
    const broken = async () => 'bwrap: No permissions to creating new namespace';
    expect(await resolveLocalSandbox({}, '/runs', broken, 0, () => PASSWD)).toEqual({ kind: 'none', reason: 'bwrap: No permissions to creating new namespace' });
    expect(await resolveLocalSandbox({}, '/runs', async () => undefined, 1000, () => PASSWD)).toMatchObject({ kind: 'none', reason: expect.stringMatching(/uid 1000, not root/) });
    await expect(resolveLocalSandbox({ mode: 'bwrap' }, '/runs', broken, 0, () => PASSWD)).rejects.toThrow(SandboxUnavailableError);
    await expect(resolveLocalSandbox({ uid: 0 }, '/runs', async () => undefined, 0, () => PASSWD)).resolves.toMatchObject({ kind: 'none' });
    expect(await resolveLocalSandbox({ mode: 'none' }, '/runs', async () => undefined, 0, () => PASSWD)).toMatchObject({ kind: 'none' });
  });

  it.runIf(process.geteuid?.() === 0)('probes bubblewrap as the agent starts it: spawned as the uid, no setpriv needed', async () => {
    // a PATH with bwrap alone: the agent's launch needs no other program
    const bin = mkdtempSync(join(tmpdir(), 'factory-probe-'));
    chmodSync(bin, 0o755);
    try {
      symlinkSync(execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim(), join(bin, 'bwrap'));
      expect(await probeBwrap(65534, 65534, bin)).toBeUndefined();
      expect(await probeBwrap(65534, 65534, join(bin, 'missing'))).toMatch(/^could not run bwrap as uid 65534: .*ENOENT/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('hides the state directory, the installation and HOME (never /)', () => {
    expect(hiddenPaths('/runs', ['/srv/repos'], '/root', '/opt/factoryci')).toEqual(['/runs', '/opt/factoryci', '/root', '/srv/repos']);
    expect(hiddenPaths('/runs', [], '/', '/opt/factoryci')).toEqual(['/runs', '/opt/factoryci']);
  });

  it('finds a directory the sandbox uid cannot pass through', () => {
    const modes: Record<string, number> = { '/': 0o755, '/tmp': 0o1777, '/tmp/a': 0o700, '/tmp/a/runs': 0o711 };
    expect(untraversable('/tmp/a/runs', (path) => modes[path] as number)).toBe('/tmp/a');
    modes['/tmp/a'] = 0o711;
    expect(untraversable('/tmp/a/runs', (path) => modes[path] as number)).toBeUndefined();
  });

  it('tells the agent how to sandbox, or to refuse untrusted runs', () => {
    expect(sandboxAgentEnv({ kind: 'none', reason: 'no bwrap' }, '/runs/r/exec-home')).toEqual({ FACTORY_SANDBOX: '{"name":"none","refuseUntrusted":true}' });
    const env = sandboxAgentEnv({ kind: 'bwrap', uid: 998, gid: 997, hide: ['/runs'], network: 'host' }, '/runs/r/exec-home');
    expect(Object.keys(env)).toEqual(['FACTORY_SANDBOX']);
    expect(JSON.parse(env.FACTORY_SANDBOX ?? '')).toEqual({
      name: 'bwrap', uid: 998, gid: 997, home: '/runs/r/exec-home', hide: ['/runs'], network: 'host', refuseUntrusted: false,
    });
  });
});

describe('the local sandbox settings of the environment', () => {
  const read = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { options: localSandboxSettings((name) => env[name], problems), problems };
  };
  it('are absent unless one is set, and read when given', () => {
    expect(read({})).toEqual({ options: undefined, problems: [] });
    expect(
      read({
        FACTORY_LOCAL_SANDBOX: 'bwrap', FACTORY_LOCAL_SANDBOX_UID: '998', FACTORY_LOCAL_SANDBOX_GID: '997',
        FACTORY_LOCAL_SANDBOX_HIDE: '/srv/repos, /etc/factoryci', FACTORY_LOCAL_SANDBOX_NETWORK: 'none',
      }),
    ).toEqual({ options: { mode: 'bwrap', uid: 998, gid: 997, hide: ['/srv/repos', '/etc/factoryci'], network: 'none' }, problems: [] });
  });
  it('names every wrong one', () => {
    expect(
      read({
        FACTORY_LOCAL_SANDBOX: 'docker', FACTORY_LOCAL_SANDBOX_UID: '0', FACTORY_LOCAL_SANDBOX_GID: 'x',
        FACTORY_LOCAL_SANDBOX_HIDE: 'relative,/', FACTORY_LOCAL_SANDBOX_NETWORK: 'some',
      }).problems,
    ).toEqual([
      'FACTORY_LOCAL_SANDBOX must be auto, bwrap or none (got "docker")',
      'FACTORY_LOCAL_SANDBOX_UID must be a non-root uid/gid (got "0")',
      'FACTORY_LOCAL_SANDBOX_GID must be a non-root uid/gid (got "x")',
      'FACTORY_LOCAL_SANDBOX_HIDE must list absolute paths other than / (got "relative, /")',
      'FACTORY_LOCAL_SANDBOX_NETWORK must be host or none (got "some")',
    ]);
  });
});
