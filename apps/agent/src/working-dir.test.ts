import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveWorkingDir } from './working-dir.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A checkout with `src/`, a file, a link out to a sibling directory, a link within, and a link to a file. */
function checkout(): { root: string; outside: string } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'factory-workdir-')));
  dirs.push(base);
  const root = join(base, 'checkout');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'src', 'app'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'file.txt'), '');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync('/etc', join(root, 'etc'));
  symlinkSync('src/app', join(root, 'app'));
  symlinkSync('file.txt', join(root, 'file-link'));
  return { root, outside };
}

describe('resolveWorkingDir', () => {
  it('runs in the checkout or a directory inside it, on its real path', async () => {
    const { root } = checkout();
    expect(await resolveWorkingDir(root, undefined)).toEqual({ ok: true, cwd: root });
    expect(await resolveWorkingDir(root, 'src')).toEqual({ ok: true, cwd: join(root, 'src') });
    expect(await resolveWorkingDir(root, 'app')).toEqual({ ok: true, cwd: join(root, 'src', 'app') });
  });

  it('refuses a symbolic link that leads out of the checkout', async () => {
    const { root, outside } = checkout();
    expect(await resolveWorkingDir(root, 'etc')).toEqual({ ok: false, reason: 'working directory "etc" is "/etc", outside the checkout (through a symbolic link); not started' });
    expect(await resolveWorkingDir(root, 'escape')).toEqual({
      ok: false,
      reason: `working directory "escape" is "${outside}", outside the checkout (through a symbolic link); not started`,
    });
    // A sibling whose name starts like the checkout's is outside too.
    mkdirSync(`${root}-other`);
    symlinkSync(`${root}-other`, join(root, 'sibling'));
    expect(await resolveWorkingDir(root, 'sibling')).toMatchObject({ ok: false });
  });

  it('reports what is missing or not a directory', async () => {
    const { root } = checkout();
    for (const dir of ['nope', 'file.txt', 'file-link']) {
      expect(await resolveWorkingDir(root, dir)).toEqual({ ok: false, reason: `working directory "${dir}" does not exist in the checkout` });
    }
  });
});
