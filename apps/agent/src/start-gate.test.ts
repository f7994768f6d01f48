import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { GATE_CLOSED_EXIT, GATE_FD, GATE_OPEN, gatedCommand } from './start-gate.js';

const dir = mkdtempSync(join(tmpdir(), 'factoryci-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `/bin/sh -e -c <script>` with a pipe as fd 3; `gate`: what is written into it before its end (if anything). */
function runShell(script: string, gate?: string): Promise<Ran> {
  const child = spawn('/bin/sh', ['-e', '-c', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const pipe = child.stdio[GATE_FD] as Writable;
  pipe.on('error', () => {});
  if (gate !== undefined) pipe.end(gate);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the start gate', () => {
  it('runs the command, once the gate opens, as `sh -e -c <command>` runs it: output, errors, line numbers, exit code', async () => {
    const commands = [
      'echo "$0|$#|$*"; false\necho never',
      'echo one\nif then fi',
      'echo one\necho two\nno-such-command-here',
      'cat <<EOF\nhere $HOME\nEOF',
      'sleep 0.05 & echo started; wait; echo waited',
      '# a comment first\necho after',
      '',
      'exit 7',
    ];
    for (const command of commands) {
      const without = await runShell(command);
      expect(await runShell(gatedCommand(command), GATE_OPEN), command).toEqual(without);
    }
  });

  it('hands the command neither the pipe (fd 3) nor the gate\'s variable', async () => {
    const ran = await runShell(gatedCommand('[ -e /proc/self/fd/3 ] && echo fd3-open || echo fd3-closed; echo "${factory_gate-unset}"'), GATE_OPEN);
    expect(ran).toEqual({ code: 0, stdout: 'fd3-closed\nunset\n', stderr: '' });
  });

  it('never starts the command when the gate closes without opening (the agent died before recording it), nor on another line', async () => {
    for (const gate of ['', 'no\n']) {
      const marker = join(dir, `never-${gate.length}`);
      const ran = await runShell(gatedCommand(`touch '${marker}'`), gate);
      expect(ran.code).toBe(GATE_CLOSED_EXIT);
      expect(existsSync(marker)).toBe(false);
    }
  });
});
