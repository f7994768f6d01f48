/**
 * Which `.factory/` files a reader fetches, decided from a listing with sizes (a tree read with `git cat-file`, the GitHub contents
 * listing) before any file is read: a configuration over `CONFIG_LIMITS` (too many files, a file or all of them too
 * large) is not fetched at all; its files are handed on unread (`{ path, content: '', bytes }`), and
 * `loadConfigFromFiles` refuses them by their sizes alone. Pure.
 */
import { CONFIG_LIMITS, fileCountProblem, fileSizeProblem, totalSizeProblem, type ConfigLimits } from './limits.js';
import { isConfigFileName, type ConfigFile } from './load.js';

/** A file of a listing: its path in the repository and its size in bytes. */
export interface ListedFile {
  path: string;
  bytes: number;
}

export interface ConfigReads<F extends ListedFile = ListedFile> {
  /** The files to fetch (all of them, or none), as listed. */
  read: F[];
  /** The files handed on unread, with their sizes: the configuration is over a limit. */
  unread: ConfigFile[];
}

/** The configuration files of `listed` (`*.hcl`, not hidden), sorted by path, and which of them to fetch. */
export function configReads<F extends ListedFile>(listed: readonly F[], limits: ConfigLimits = CONFIG_LIMITS): ConfigReads<F> {
  const files = listed.filter((file) => isConfigFileName(file.path.slice(file.path.lastIndexOf('/') + 1))).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  const overLimit = fileCountProblem(files.length, limits) ?? totalSizeProblem(total, limits) ?? files.map((file) => fileSizeProblem(file.bytes, limits)).find(Boolean);
  if (overLimit === undefined) return { read: files, unread: [] };
  return { read: [], unread: files.map((file) => ({ path: file.path, content: '', bytes: file.bytes })) };
}
