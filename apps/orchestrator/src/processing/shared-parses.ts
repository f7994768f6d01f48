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
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { RunnerRequest } from '../runner.js';
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

/** `parse`, shared as the module comment says. */
export function shareRunnerBlockParses(parse: RunnerBlockParser, limits: SharedParseLimits = DEFAULT_SHARED_PARSE_LIMITS): RunnerBlockParser {
  const parsed = new LRUCache<string, { runner: RunnerRequest | undefined }>({ max: limits.entries });
  const parsing = new Map<string, Promise<RunnerRequest | undefined>>();
  const turn = pLimit(limits.concurrency);
  return async (files) => {
    const key = configFilesKey(files);
    const kept = parsed.get(key);
    let runner: RunnerRequest | undefined;
    if (kept) runner = kept.runner;
    else {
      let pending = parsing.get(key);
      if (!pending) {
        pending = turn(() => parse(files))
          .then((result) => {
            parsed.set(key, { runner: result });
            return result;
          })
          .finally(() => parsing.delete(key));
        parsing.set(key, pending);
      }
      runner = await pending;
    }
    // each run gets its own copy: nothing a caller does to it reaches another run
    return runner === undefined ? undefined : structuredClone(runner);
  };
}
