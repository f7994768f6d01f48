/**
 * A commit's `.factory/` configuration files, read from git's object store (never a work tree): the one reading of
 * them that the agent (before it plans a run) and the orchestrator (for a run's `runner` block, before the agent starts)
 * share, so both see the same files under the same limits. Which files count: regular files directly under
 * `.factory/` named like a configuration file (links, directories and submodules do not, as for `factory-agent run`
 * on a directory, and as GitHub's contents listing has them). What is fetched: every file when the listing fits
 * `CONFIG_LIMITS`, else none (`configReads`), the files then handed on by their sizes for `loadConfigFromFiles` to
 * refuse.
 */
import { CONFIG_LIMITS, configReads, isConfigFileName, type ConfigFile, type ConfigLimits } from '@factoryci/config';
import { parseTree, type BatchAnswer, type TreeEntry } from './formats.js';

/** Reads a repository's objects by name, as `git cat-file --batch-command`'s `info` and `contents` answer. */
export interface ObjectNames {
  info(name: string): Promise<BatchAnswer>;
  contents(name: string): Promise<BatchAnswer>;
}

/** A `.factory/` tree larger than this is not read (about half a million entries). */
export const MAX_FACTORY_TREE_BYTES = 16 << 20;

/** `.factory/` of a commit cannot be read: the commit, or an object it names, is not in the repository, or its tree is too large. */
export class FactoryFilesError extends Error {
  override name = 'FactoryFilesError';
}

/** A regular file's mode (`100644`, `100755`, or a non-canonical one an old git wrote, e.g. `100664`). */
export const isRegularFileMode = (mode: string): boolean => /^[0-7]+$/.test(mode) && (Number.parseInt(mode, 8) & 0o170000) === 0o100000;

/** The configuration files among the entries of a `.factory` tree (pure): regular files with a configuration file's name. */
export function factoryFileEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  return entries.filter((entry) => isRegularFileMode(entry.mode) && isConfigFileName(entry.name));
}

function found(answer: BatchAnswer, what: string): Extract<BatchAnswer, { found: true }> {
  if (!answer.found) throw new FactoryFilesError(`${what} is ${answer.why}`);
  return answer;
}

/**
 * The `.factory/*.hcl` files of `commit`, paths `.factory/<name>`, sorted: read (`{ path, content }`) when they fit
 * `limits`, else all of them by their sizes (`{ path, content: '', bytes }`). A commit without a `.factory` directory
 * has none; a commit not in the repository is a FactoryFilesError.
 */
export async function readFactoryFiles(commit: string, objects: ObjectNames, limits: ConfigLimits = CONFIG_LIMITS): Promise<ConfigFile[]> {
  const listing = await objects.info(`${commit}:.factory`);
  if (!listing.found) {
    found(await objects.info(commit), `commit ${commit}`);
    return [];
  }
  if (listing.type !== 'tree') return [];
  if (listing.size > MAX_FACTORY_TREE_BYTES) throw new FactoryFilesError(`the .factory/ directory at ${commit} lists too much (${listing.size} bytes)`);
  const tree = found(await objects.contents(listing.oid), `the .factory/ directory at ${commit}`);
  const entries = factoryFileEntries(parseTree(tree.content ?? Buffer.alloc(0), listing.oid.length / 2));
  // over the count, sizes change nothing: the files are refused by their number
  const sized =
    entries.length > limits.maxFiles
      ? entries.map((entry) => ({ path: `.factory/${entry.name}`, oid: entry.oid, bytes: 0 }))
      : await Promise.all(entries.map(async (entry) => ({ path: `.factory/${entry.name}`, oid: entry.oid, bytes: found(await objects.info(entry.oid), `.factory/${entry.name}`).size })));
  const { read, unread } = configReads(sized, limits);
  const fetched = await Promise.all(
    read.map(async ({ path, oid }) => ({ path, content: (found(await objects.contents(oid), path).content ?? Buffer.alloc(0)).toString('utf8') })),
  );
  return [...unread, ...fetched];
}
