import { CONFIG_LIMITS, isConfigFileName, type ConfigFile } from '@factoryci/config';
import { GitError } from './git-checkout.js';
import { readTree, type BatchAnswer, type ObjectReader, type TreeEntry } from './git-objects.js';

const READ = ['cat-file', '--batch-command'];

/** A regular file's mode (`100644`, `100755`, or a non-canonical one an old git wrote, e.g. `100664`). */
const isRegularFile = (mode: string) => /^[0-7]+$/.test(mode) && (Number.parseInt(mode, 8) & 0o170000) === 0o100000;

/**
 * The configuration files among the entries of a commit's `.factory` tree (pure): regular files directly under it with
 * a configuration file's name, in the tree's order. Links, directories and submodules do not count (as for
 * `factory-agent run` on a directory).
 */
export function configEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  return entries.filter((entry) => isRegularFile(entry.mode) && isConfigFileName(entry.name));
}

function found(answer: BatchAnswer, what: string): Extract<BatchAnswer, { found: true }> {
  if (!answer.found) throw new GitError(READ, 0, `${what} is ${answer.why}`);
  return answer;
}

/**
 * The `.factory/*.hcl` files of a commit, read from git's object store (not the work tree): for an untrusted pull
 * request this is the base commit, so the pull request's own `.factory/` never runs. Paths are `.factory/<name>`.
 * Only what the configuration limits allow is read (docs/factory-hcl.md, "Limits"): a file over the size limit, or
 * every file when there are too many, is passed by its size and reported as such by loadConfigFromFiles. A commit
 * without `.factory/` has none; a commit not in the repository is a GitError.
 */
export async function readConfigFiles(commit: string, objects: ObjectReader): Promise<ConfigFile[]> {
  const tree = await objects.contents(`${commit}:.factory`);
  if (!tree.found) {
    found(await objects.info(commit), `commit ${commit}`);
    return [];
  }
  if (tree.type !== 'tree' || !tree.content) return [];
  const entries = configEntries(readTree(tree.content, tree.oid.length / 2));
  const sizes = (await Promise.all(entries.map((entry) => objects.info(entry.oid)))).map((answer, i) => found(answer, `.factory/${entries[i]?.name}`).size);
  const readable = entries.length <= CONFIG_LIMITS.maxFiles;
  const isRead = (i: number) => readable && (sizes[i] as number) <= CONFIG_LIMITS.maxFileBytes;
  const contents = await Promise.all(entries.map((entry, i) => (isRead(i) ? objects.contents(entry.oid) : undefined)));
  return entries.map((entry, i) => {
    const path = `.factory/${entry.name}`;
    const answer = contents[i];
    return answer ? { path, content: (found(answer, path).content as Buffer).toString('utf8') } : { path, content: '', bytes: sizes[i] as number };
  });
}
