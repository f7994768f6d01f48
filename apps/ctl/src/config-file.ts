import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredLogin } from './credentials.js';
import { LocalError } from './errors.js';

/** The stored login, or undefined when there is none. A file that is not ours to read is an error that says so. */
export async function readStoredLogin(path: string): Promise<Partial<StoredLogin> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LocalError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    const { server, token } = parsed as Record<string, unknown>;
    return { ...(typeof server === 'string' ? { server } : {}), ...(typeof token === 'string' ? { token } : {}) };
  } catch (error) {
    throw new LocalError(`${path} is not valid JSON (${(error as Error).message}): fix it, or run "factoryctl logout" and log in again`);
  }
}

/**
 * Writes `{server, token}` readable by its owner only: the directory 0700, the file 0600, written to a temporary file
 * of that mode first and renamed, so the token is never in a file others could read, nor half written.
 */
export async function writeStoredLogin(path: string, login: StoredLogin): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ server: login.server, token: login.token }, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    throw new LocalError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Deletes the stored login; false when there was none. */
export async function removeStoredLogin(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new LocalError(`cannot delete ${path}: ${(error as Error).message}`);
  }
}
