import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/**
 * Where an execution runs: its `working_dir` inside the checkout, checked on its real path. The configuration only
 * allows relative paths that stay inside the checkout as written, but a symbolic link in the repository (`app → /etc`)
 * could still lead out of it; the real path is what the command gets, so the check and the use see the same directory.
 */
export type WorkingDir = { ok: true; cwd: string } | { ok: false; reason: string };

export async function resolveWorkingDir(checkout: string, workingDir: string | undefined): Promise<WorkingDir> {
  const shown = workingDir ?? '.';
  const missing: WorkingDir = { ok: false, reason: `working directory "${shown}" does not exist in the checkout` };
  let root: string;
  let real: string;
  try {
    // both at once: the first execution's start waits for them
    [root, real] = await Promise.all([realpath(checkout), realpath(resolve(checkout, shown))]);
  } catch {
    return missing;
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
    return { ok: false, reason: `working directory "${shown}" is "${real}", outside the checkout (through a symbolic link); not started` };
  }
  const isDirectory = await stat(real).then(
    (info) => info.isDirectory(),
    () => false,
  );
  return isDirectory ? { ok: true, cwd: real } : missing;
}
