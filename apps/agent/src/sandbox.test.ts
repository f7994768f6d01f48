import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Writable } from 'node:stream';
import { groupAlive } from './process-group.js';
import { runCommand, SpawnError } from './run-command.js';
import { bwrapArgv, bwrapSandbox, chownTree, createSandbox, noSandbox, sandboxForRun, SandboxUnavailableError, uidArgv, uidSandbox } from './sandbox.js';
import { sandboxSettingsFromEnv, SandboxSettingsError, untrustedRefusal, type BwrapSettings } from './sandbox-settings.js';
import { GATE_CLOSED_EXIT, GATE_FD, GATE_OPEN, gatedCommand } from './start-gate.js';
import { UsageError } from './usage.js';

const bwrap: BwrapSettings = { name: 'bwrap', uid: 990, gid: 991, home: '/runs/r1/exec-home', hide: ['/runs', '/srv/factoryci', '/srv/factoryci/.data/factory.env', '/nowhere'], network: 'host' };
const kinds: Record<string, 'dir' | 'file'> = { '/runs': 'dir', '/srv/factoryci': 'dir', '/srv/factoryci/.data/factory.env': 'file' };

/** A sandbox's workspace and HOME, made empty under `dir` (which the sandbox uid may pass through, not list). */
function sandboxDirs(dir: string): { workspace: string; home: string } {
  chmodSync(dir, 0o711);
  const workspace = join(dir, 'workspace');
  const home = join(dir, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  return { workspace, home };
}

describe('bwrapArgv', () => {
  it('sandboxes: read-only root, private /tmp, /proc, /dev, hidden paths, only the workspace and HOME writable', () => {
    const argv = bwrapArgv(bwrap, { workspace: '/runs/r1/workspace', cwd: '/runs/r1/workspace/app', command: 'npm test' }, (path) => kinds[path]);
    expect(argv).toEqual([
      'bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
      '--tmpfs', '/runs', '--tmpfs', '/srv/factoryci', '--ro-bind', '/dev/null', '/srv/factoryci/.data/factory.env',
      '--bind', '/runs/r1/workspace', '/runs/r1/workspace', '--bind', '/runs/r1/exec-home', '/runs/r1/exec-home',
      '--remount-ro', '/runs', '--remount-ro', '/srv/factoryci',
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-user', '--unshare-cgroup-try', '--die-with-parent',
      '--chdir', '/runs/r1/workspace/app', '--', '/bin/sh', '-e', '-c', 'npm test',
    ]);
  });

  it('cuts the network off when asked', () => {
    const argv = bwrapArgv({ ...bwrap, network: 'none' }, { workspace: '/w', cwd: '/w', command: 'true' }, () => undefined);
    expect(argv).toContain('--unshare-net');
    expect(bwrapArgv(bwrap, { workspace: '/w', cwd: '/w', command: 'true' }, () => undefined)).not.toContain('--unshare-net');
  });
});

describe('bwrapSandbox', () => {
  it('launches bubblewrap itself, spawned as the uid and gid (no setpriv before it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'factory-launch-'));
    try {
      const launch = await bwrapSandbox({ ...bwrap, home: dir, hide: [] }, dir).launch({ command: 'true', cwd: dir, env: { PATH: '/bin' } });
      expect(launch).toMatchObject({ file: 'bwrap', uid: 990, gid: 991, cwd: '/', env: { PATH: '/bin', HOME: dir, TMPDIR: '/tmp' } });
      expect(launch.args.slice(-4)).toEqual(['/bin/sh', '-e', '-c', 'true']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sandbox\'s preparation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-prepare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.runIf(process.geteuid?.() === 0)('hands the workspace and HOME over once; a failure is not kept: the launch tries again and surfaces it', async () => {
    const workspace = join(dir, 'workspace');
    const home = join(dir, 'home');
    mkdirSync(home);
    const sandbox = bwrapSandbox({ name: 'bwrap', uid: 65534, gid: 65534, home, hide: [], network: 'host' }, workspace);
    await expect(sandbox.prepare?.()).rejects.toThrow(/^could not hand the workspace to the sandbox's uid 65534: ENOENT/);
    await expect(sandbox.launch({ command: 'true', cwd: workspace, env: {} })).rejects.toThrow(/could not hand the workspace/);
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'checked-out'), 'x');
    await sandbox.prepare?.();
    expect(statSync(join(workspace, 'checked-out'))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(home).uid).toBe(65534);
    // once handed over, not again: a file the agent makes afterwards stays its own
    writeFileSync(join(workspace, 'later'), 'x');
    await sandbox.prepare?.();
    await sandbox.launch({ command: 'true', cwd: workspace, env: {} });
    expect(statSync(join(workspace, 'later')).uid).toBe(0);
  });
});

describe('the start gate in a sandbox (the first line of the execution\'s own shell: no process of its own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-sandbox-gate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.runIf(process.geteuid?.() === 0)('holds the command inside bubblewrap and behind setpriv until it opens, and never runs it when it closes', async () => {
    const { workspace, home } = sandboxDirs(dir);
    const sandboxes = [
      bwrapSandbox({ name: 'bwrap', uid: 65534, gid: 65534, home, hide: [], network: 'host' }, workspace),
      uidSandbox({ name: 'uid', uid: 65534, gid: 65534, home }, workspace),
    ];
    for (const sandbox of sandboxes) {
      for (const open of [false, true]) {
        const marker = join(workspace, `${sandbox.name}-${open}`);
        // spawned as runCommand spawns it: the sandbox's own program first, the gate's pipe as fd 3
        const launch = await sandbox.launch({ command: gatedCommand(`touch '${marker}'`), cwd: workspace, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
        const child = spawn(launch.file, launch.args, {
          cwd: launch.cwd, env: launch.env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
          ...(launch.uid !== undefined ? { uid: launch.uid } : {}), ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
        });
        const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
        const gate = child.stdio[GATE_FD] as Writable;
        gate.on('error', () => {});
        // however long the gate stays shut, the command does not run
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(existsSync(marker), `${sandbox.name} before the gate`).toBe(false);
        gate.end(open ? GATE_OPEN : '');
        expect(await exited, sandbox.name).toBe(open ? 0 : GATE_CLOSED_EXIT);
        expect(existsSync(marker), `${sandbox.name} gate ${open ? 'opened' : 'closed'}`).toBe(open);
      }
    }
  });

  it.runIf(process.geteuid?.() === 0)('makes a missing sandbox program a start error (not an exit code)', async () => {
    const sandbox = bwrapSandbox({ name: 'bwrap', uid: 65534, gid: 65534, home: dir, hide: [], network: 'host' }, dir);
    const ran = runCommand({ command: 'true', cwd: dir, env: { PATH: join(dir, 'no-programs-here') }, killGraceMs: 500, sandbox, onOutput: () => {} });
    await expect(ran).rejects.toThrow(SpawnError);
    await expect(ran).rejects.toThrow(/^could not start bwrap: spawn bwrap ENOENT/);
  });
});

describe('uidArgv', () => {
  it('drops to the uid and gid with no groups, no_new_privs and empty inheritable and bounding sets, then runs the shell: no namespaces', () => {
    expect(uidArgv({ uid: 1000, gid: 1001 }, 'npm test')).toEqual([
      'setpriv', '--reuid=1000', '--regid=1001', '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--',
      '/bin/sh', '-e', '-c', 'npm test',
    ]);
  });
});

describe('chownTree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-chown-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('hands a checkout to the uid without following a symbolic link out of it', async () => {
    const outside = join(dir, 'outside');
    const workspace = join(dir, 'workspace');
    mkdirSync(outside);
    writeFileSync(join(outside, 'file'), 'x');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'a.js'), 'x');
    symlinkSync(outside, join(workspace, 'app'));
    await chownTree(workspace, 4321, 4322);
    expect(statSync(join(workspace, 'src', 'a.js'))).toMatchObject({ uid: 4321, gid: 4322 });
    expect(statSync(workspace).uid).toBe(4321);
    expect(lstatSync(join(workspace, 'app')).uid).toBe(4321);
    expect(statSync(outside).uid).toBe(0);
    expect(statSync(join(outside, 'file')).uid).toBe(0);
  });

  it('hands over every path of a wider and deeper tree, a few at a time, links to directories left unentered', async () => {
    const root = join(dir, 'wide');
    const outside = join(dir, 'outside-wide');
    mkdirSync(outside);
    writeFileSync(join(outside, 'file'), 'x');
    const paths = [root];
    for (let a = 0; a < 3; a++) {
      const sub = join(root, `d${a}`, 'deeper', 'deepest');
      mkdirSync(sub, { recursive: true });
      paths.push(join(root, `d${a}`), join(root, `d${a}`, 'deeper'), sub);
      for (let f = 0; f < 7; f++) {
        writeFileSync(join(sub, `f${f}`), 'x');
        writeFileSync(join(root, `d${a}`, `g${f}`), 'x');
        paths.push(join(sub, `f${f}`), join(root, `d${a}`, `g${f}`));
      }
    }
    symlinkSync(outside, join(root, 'd0', 'deeper', 'out'));
    paths.push(join(root, 'd0', 'deeper', 'out'));
    await chownTree(root, 4323, 4324, 4);
    for (const path of paths) expect(lstatSync(path), path).toMatchObject({ uid: 4323, gid: 4324 });
    expect(statSync(outside).uid).toBe(0);
    expect(statSync(join(outside, 'file')).uid).toBe(0);
  });
});

describe('a sandboxed execution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-sandboxed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('runs as the uid in the workspace, and a timeout ends everything it started (the sandbox stays in its process group)', async () => {
    const { workspace, home } = sandboxDirs(dir);
    writeFileSync(join(workspace, 'checked-out'), 'x');
    const sandbox = bwrapSandbox({ name: 'bwrap', uid: 65534, gid: 65534, home, hide: [dir], network: 'host' }, workspace);
    let output = '';
    let pgid = 0;
    const ran = await runCommand({
      command: 'id -u; pwd; ls; echo "$HOME $TMPDIR"', cwd: workspace, env: { PATH: '/usr/bin:/bin', HOME: '/root' }, killGraceMs: 500, sandbox,
      onOutput: (_stream, text) => {
        output += text;
      },
    });
    expect(ran).toEqual({ exitCode: 0, signal: null, timedOut: false, cancelled: false });
    expect(output).toBe(`65534\n${workspace}\nchecked-out\n${home} /tmp\n`);
    expect(statSync(join(workspace, 'checked-out')).uid).toBe(65534);
    const started = Date.now();
    const timedOut = await runCommand({
      command: 'sleep 37 & sleep 38; echo never', cwd: workspace, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 500, killGraceMs: 500, sandbox,
      onOutput: (_stream, text) => {
        output += text;
      },
      onSpawn: (pid) => (pgid = pid),
    });
    expect(timedOut).toMatchObject({ timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(groupAlive(pgid)).toBe(false);
    expect(output).not.toContain('never');
  });
});

describe('a sandboxed execution\'s ids', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-sandboxed-ids-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.runIf(process.geteuid?.() === 0)('are the uid and gid as real, effective and saved ids, without the agent\'s supplementary groups', async () => {
    const { workspace, home } = sandboxDirs(dir);
    const sandbox = bwrapSandbox({ name: 'bwrap', uid: 65534, gid: 65534, home, hide: [dir], network: 'host' }, workspace);
    let output = '';
    const before = process.getgroups?.() ?? [];
    // an agent with supplementary groups (an unmapped group would show as the overflow gid inside the namespace)
    process.setgroups?.([4242, 0]);
    try {
      const ran = await runCommand({
        command: 'grep -E "^(Uid|Gid|Groups):" /proc/self/status', cwd: workspace, env: { PATH: '/usr/bin:/bin' }, killGraceMs: 500, sandbox,
        onOutput: (_stream, text) => {
          output += text;
        },
      });
      expect(ran).toMatchObject({ exitCode: 0 });
    } finally {
      process.setgroups?.(before);
    }
    expect(output.replace(/[ \t]+/g, ' ')).toBe('Uid: 65534 65534 65534 65534\nGid: 65534 65534 65534 65534\nGroups: \n');
  });
});

describe('an execution in the uid sandbox (the Kubernetes pod: the agent is root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-uid-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.runIf(process.geteuid?.() === 0)(
    'runs as the uid with no capabilities and no_new_privs; cannot read a root 0400 file or the agent\'s environ and memory, nor get root back',
    async () => {
      chmodSync(dir, 0o711);
      const workspace = join(dir, 'workspace');
      const home = join(dir, 'home', 'exec');
      const tokenDir = join(dir, 'secret');
      mkdirSync(workspace);
      mkdirSync(tokenDir, { mode: 0o755 });
      writeFileSync(join(workspace, 'checked-out'), 'x');
      writeFileSync(join(tokenDir, 'token'), 'frt_the-run-token', { mode: 0o400 });
      // a stand-in for the agent: a root process with the token in its environment
      const agent = spawn('sleep', ['30'], { env: { PATH: '/usr/bin:/bin', FACTORY_RUN_TOKEN: 'frt_the-run-token' }, stdio: 'ignore' });
      try {
        const sandbox = uidSandbox({ name: 'uid', uid: 65534, gid: 65534, home }, workspace);
        expect(sandbox.name).toBe('uid');
        let output = '';
        const attack = [
          'id -u; id -g; id -G',
          'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status',
          'pwd; echo "HOME=$HOME"; ls',
          `cat ${tokenDir}/token && echo ALLOWED token file || echo BLOCKED token file`,
          `cat /proc/${agent.pid}/environ && echo ALLOWED agent environ || echo BLOCKED agent environ`,
          `head -c 1 /proc/${agent.pid}/mem && echo ALLOWED agent memory || echo BLOCKED agent memory`,
          `kill -0 ${agent.pid} && echo ALLOWED signal to the agent || echo BLOCKED signal to the agent`,
          'setpriv --reuid=0 --regid=0 --clear-groups id -u && echo ALLOWED setpriv to root || echo BLOCKED setpriv to root',
          'su -c "id -u" root </dev/null && echo ALLOWED su to root || echo BLOCKED su to root',
          `echo x > ${tokenDir}/planted && echo ALLOWED write next to the token || echo BLOCKED write next to the token`,
          'echo ok > "$HOME/written" && echo wrote in HOME',
          'echo ok > written && echo wrote in the workspace',
        ].join('\n');
        const ran = await runCommand({
          command: attack, cwd: workspace, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' }, killGraceMs: 500, sandbox,
          onOutput: (_stream, text) => {
            output += text;
          },
        });
        expect(ran).toMatchObject({ exitCode: 0, timedOut: false });
        expect(output).toMatch(/^65534\n65534\n65534\n/);
        for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(output).toMatch(new RegExp(`${set}:\\s+0{16}\\n`));
        expect(output).toMatch(/NoNewPrivs:\s+1\n/);
        expect(output).toContain(`${workspace}\nHOME=${home}\nchecked-out\n`);
        expect(output).not.toContain('ALLOWED');
        expect(output).not.toContain('frt_the-run-token');
        for (const blocked of ['token file', 'agent environ', 'agent memory', 'signal to the agent', 'setpriv to root', 'su to root', 'write next to the token']) {
          expect(output).toContain(`BLOCKED ${blocked}`);
        }
        expect(output).toContain('wrote in HOME');
        expect(output).toContain('wrote in the workspace');
        expect(statSync(workspace).uid).toBe(65534);
        expect(statSync(home)).toMatchObject({ uid: 65534, gid: 65534 });
        expect(existsSync(join(tokenDir, 'planted'))).toBe(false);
      } finally {
        agent.kill('SIGKILL');
      }
    },
  );
});

describe('sandbox settings', () => {
  it('are absent when the runner set none (a run by hand)', () => {
    expect(sandboxSettingsFromEnv({ PATH: '/bin' })).toBeUndefined();
  });

  it('reads the settings the runner wrote', () => {
    const settings = { name: 'bwrap', uid: 990, gid: 991, home: '/h', hide: ['/runs', '/srv'], network: 'none', refuseUntrusted: false };
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: JSON.stringify(settings) })).toEqual(settings);
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: '{"name":"bwrap","uid":990,"gid":991,"home":"/h"}' })).toEqual({ ...settings, hide: [], network: 'host' });
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: '{"name":"none","refuseUntrusted":true}' })).toEqual({ name: 'none', refuseUntrusted: true });
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: 'none' })).toEqual({ name: 'none', refuseUntrusted: false });
    expect(sandboxSettingsFromEnv({ FACTORY_SANDBOX: '{"name":"uid","uid":1000,"gid":1000,"home":"/home/factory-exec"}' })).toEqual({
      name: 'uid', uid: 1000, gid: 1000, home: '/home/factory-exec', refuseUntrusted: false,
    });
  });

  it('rejects wrong settings as usage errors, root above all', () => {
    const base = { name: 'bwrap', uid: 990, gid: 991, home: '/h' };
    const cases: [unknown, RegExp][] = [
      [{ name: 'chroot' }, /"name" "chroot" is not one of none, bwrap/],
      [{ ...base, uid: 0 }, /"uid" must be a non-root uid\/gid/],
      [{ ...base, gid: 'root' }, /"gid" must be/],
      [{ ...base, home: 'home' }, /"home" must be an absolute path/],
      [{ ...base, hide: ['relative'] }, /"hide" must be an absolute path/],
      [{ ...base, hide: ['/'] }, /"hide" must be an absolute path other than "\/"/],
      [{ ...base, hide: '/runs' }, /"hide" must be an array/],
      [{ ...base, network: 'some' }, /"network" must be host or none/],
      [{ ...base, refuseUntrusted: 'yes' }, /"refuseUntrusted" must be true or false/],
      [{ ...base, privileged: true }, /unknown setting "privileged"/],
      [{ name: 'none', uid: 5 }, /"uid" does not apply to the none sandbox/],
      [{ name: 'uid', uid: 0, gid: 1000, home: '/h' }, /"uid" must be a non-root uid\/gid/],
      [{ name: 'uid', uid: 1000, gid: 0, home: '/h' }, /"gid" must be a non-root uid\/gid/],
      [{ name: 'uid', uid: 1000, gid: 1000 }, /"home" must be an absolute path/],
      [{ name: 'uid', uid: 1000, gid: 1000, home: '/h', hide: ['/x'] }, /"hide" does not apply to the uid sandbox/],
      [['bwrap'], /none or a JSON object/],
      ['bwrap', /neither none nor a JSON object/],
    ];
    for (const [value, message] of cases) {
      let caught: unknown;
      try {
        sandboxSettingsFromEnv({ FACTORY_SANDBOX: typeof value === 'string' ? value : JSON.stringify(value) });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SandboxSettingsError);
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toMatch(/^FACTORY_SANDBOX: /);
      expect((caught as Error).message).toMatch(message);
    }
  });
});

describe('which runs a sandbox takes', () => {
  const none = { name: 'none' as const, refuseUntrusted: true };
  it('refuses untrusted runs only where executions are not sandboxed and the runner says so', () => {
    expect(untrustedRefusal(none, false)).toMatch(/^untrusted run refused/);
    expect(untrustedRefusal(none, true)).toBeUndefined();
    expect(untrustedRefusal({ name: 'none', refuseUntrusted: false }, false)).toBeUndefined();
    expect(untrustedRefusal(undefined, false)).toBeUndefined();
    expect(untrustedRefusal({ ...bwrap, refuseUntrusted: true }, false)).toBeUndefined();
    expect(sandboxForRun(none, false, '/w')).toEqual({ refused: expect.stringMatching(/^untrusted run refused/) });
    expect(sandboxForRun(none, true, '/w')).toEqual({ sandbox: noSandbox });
  });

  it('needs root for bwrap: the agent must drop executions to another uid', () => {
    const settings = { ...bwrap, refuseUntrusted: false };
    expect(() => createSandbox(settings, '/w', 1000)).toThrow(SandboxUnavailableError);
    expect(sandboxForRun(settings, true, '/w', 1000)).toEqual({ refused: expect.stringMatching(/^sandbox unavailable: .*needs the agent to run as root/) });
    expect(createSandbox(settings, '/w', 0).name).toBe('bwrap');
    expect(createSandbox(undefined, '/w', 1000)).toBe(noSandbox);
    const uid = { name: 'uid' as const, uid: 1000, gid: 1000, home: '/h', refuseUntrusted: false };
    expect(createSandbox(uid, '/w', 0).name).toBe('uid');
    expect(sandboxForRun(uid, false, '/w', 1000)).toEqual({ refused: expect.stringMatching(/^sandbox unavailable: the uid sandbox needs the agent to run as root/) });
    expect(sandboxForRun(uid, false, '/w', 0)).toEqual({ sandbox: expect.objectContaining({ name: 'uid' }) });
  });
});
