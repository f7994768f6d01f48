/**
 * Shares the runner-block parses of one orchestrator. Each parse is a Worker that loads the configuration package
 * (about a second of CPU on a loaded 2-core machine), and a burst of queued workflows used to start one Worker each,
 * all at once. Now files already parsed answer from a bounded cache keyed by their content (the same files always give
 * the same runner block: different commits of a repository mostly share their `.factory/`); files asked for while the
 * same files are being parsed wait for that parse; and at most `concurrency` Workers parse at a time, the others
 * waiting their turn (a Worker's deadline starts when it starts). Failures (errors, deadlines) are never kept.
 */
import { createHash } from 'node:crypto';
import type { ConfigFile } from '@factoryci/config';
import pLimit from 'p-limit';
import type { RunnerRequest } from '../runner.js';
import { shareCommitReads } from './commit-reads.js';
import type { RunnerBlockParser } from './runner-block-parse.js';

export interface SharedParseLimits {
  /** How many parsed configurations are kept (least recently used dropped first). */
  entries: number;
  /** How many parses run at once. */
  concurrency: number;
}

export const DEFAULT_SHARED_PARSE_LIMITS: SharedParseLimits = { entries: 256, concurrency: 2 };

/** A key equal for equal files (paths and contents, in order) and different for any other. */
export function configFilesKey(files: readonly ConfigFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${Buffer.byteLength(file.path)}:${file.path}${Buffer.byteLength(file.content)}:`).update(file.content);
  return hash.digest('hex');
}

/** `parse`, shared as the module comment says (kept and in-flight answers as `shareCommitReads` keeps them). */
export function shareRunnerBlockParses(parse: RunnerBlockParser, limits: SharedParseLimits = DEFAULT_SHARED_PARSE_LIMITS): RunnerBlockParser {
  const once = shareCommitReads<RunnerRequest | undefined>({ entries: limits.entries });
  const turn = pLimit(limits.concurrency);
  return async (files) => {
    const runner = await once(configFilesKey(files), () => turn(() => parse(files)));
    // each run gets its own copy: nothing a caller does to it reaches another run
    return runner === undefined ? undefined : structuredClone(runner);
  };
}
