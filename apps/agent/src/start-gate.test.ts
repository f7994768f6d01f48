import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { GATE_CLOSED_EXIT, GATE_FD, GATE_OPEN, gatedLaunch, unexecutable } from './start-gate.js';

const dir = mkdtempSync(join(tmpdir(), 'factoryci-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Spawns `launch` behind the gate; `open` writes the gate's line, else its end is only closed. */
function runGated(args: string[], open: boolean): Promise<{ code: number | null; stdout: string }> {
  const gated = gatedLaunch({ file: '/bin/sh', args });
  const child = spawn(gated.file, gated.args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  const gate = child.stdio[GATE_FD] as Writable;
  if (open) gate.end(GATE_OPEN);
  else gate.end();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout })));
}

describe('the start gate', () => {
  it('runs the launch, its arguments intact, once the gate opens', async () => {
    const marker = join(dir, 'ran');
    const { code, stdout } = await runGated(['-e', '-c', 'touch "$1"; printf "%s|" "$@"; [ -e /proc/self/fd/3 ] && echo fd3-open || echo fd3-closed', 'sh', marker, 'a b', '"q"', '$HOME'], true);
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(stdout).toBe(`${marker}|a b|"q"|$HOME|fd3-closed\n`);
  });

  it('never starts the launch when the gate closes without opening (the agent died before recording it)', async () => {
    const marker = join(dir, 'never');
    const { code } = await runGated(['-e', '-c', 'touch "$1"', 'sh', marker], false);
    expect(code).toBe(GATE_CLOSED_EXIT);
    expect(existsSync(marker)).toBe(false);
  });

  it('is the same process as the launch (exec: its pid is the group the agent records)', async () => {
    const gated = gatedLaunch({ file: '/bin/sh', args: ['-c', 'echo $$'] });
    const child = spawn(gated.file, gated.args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
    (child.stdio[GATE_FD] as Writable).end(GATE_OPEN);
    await new Promise((resolve) => child.once('close', resolve));
    expect(stdout.trim()).toBe(String(child.pid));
  });

  it('tells a missing or non-executable program apart from one that can run', () => {
    expect(unexecutable('/bin/sh', undefined)).toBeUndefined();
    expect(unexecutable('sh', '/nonexistent:/bin')).toBeUndefined();
    expect(unexecutable('/nonexistent/bwrap', '/bin')).toBe('/nonexistent/bwrap is not an executable file');
    expect(unexecutable('no-such-program-here', '/bin:/usr/bin')).toBe('no-such-program-here is not found in PATH');
    expect(unexecutable('sh', 'relative/dir')).toBe('sh is not found in PATH');
    expect(unexecutable('/bin', undefined)).toBe('/bin is not an executable file');
  });
});
