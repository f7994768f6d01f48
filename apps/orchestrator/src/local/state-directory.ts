/**
 * Names in the local runner's state directory besides run ids (which start with a letter or a digit, so none of these
 * hidden names is ever a run's), and the two steps that keep a run directory whole or absent whatever process is
 * killed mid-way: a directory is made under a `.making-` name and renamed into place, and removed by renaming it to a
 * `.discarded-` name first. A run is found by its name; a half-made or half-removed directory under it would be kept
 * by the sweep forever (no run.json: its owner cannot be told). The sweep (sweep.ts) finishes both leftovers.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** An idle agent's directory. */
export const POOL_DIRECTORY_PREFIX = '.pool-';
/** A directory being removed: nothing uses it any more. */
export const DISCARDED_PREFIX = '.discarded-';
/** A directory being made: renamed to its name once complete. */
export const MAKING_PREFIX = '.making-';

/** A fresh name with `prefix` beside `path` (in the same directory, so a rename there is atomic). */
export function besideWithPrefix(path: string, prefix: string): string {
  return join(dirname(path), `${prefix}${randomBytes(6).toString('hex')}`);
}

/** Removes the directory `path` (not a link): at once from its name, then its content. Nothing there: nothing done. */
export function discardDirectory(path: string): void {
  const discarded = besideWithPrefix(path, DISCARDED_PREFIX);
  try {
    renameSync(path, discarded);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  rmSync(discarded, { recursive: true, force: true });
}
