/**
 * One list-then-watch of one kind of object (the runner's Jobs, or its pods, by the managed-by label) shared by every
 * run this process follows, as agent-stack-k8s's informers do: list, then watch from the list's resourceVersion;
 * when the stream ends (dropped or timed out: after the re-list delay; `410 Gone`, the history it asked for
 * compacted: at once) list again, once for all runs. What to do after a failed request is `watchFailureAction` (pure). The objects are kept
 * by name; `onEvent` is told of each change and `onListed` of each completed list.
 */
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export type WatchFailureAction =
  /** The request is refused for good (forbidden, bad selector...): the runs that depend on it fail. */
  | { kind: 'fail' }
  /** List again now (`410 Gone`: the resourceVersion is too old; a fresh list gives a new one). */
  | { kind: 'relist-now' }
  /** List again after the re-watch delay (the API is unreachable, overloaded, or the stream broke). */
  | { kind: 'relist-later' };

/** What to do after a list or watch failed with HTTP status `code` (undefined: no answer). Pure. */
export function watchFailureAction(code: number | undefined): WatchFailureAction {
  if (code === 410) return { kind: 'relist-now' };
  if (code !== undefined && code >= 400 && code < 500 && code !== 429) return { kind: 'fail' };
  return { kind: 'relist-later' };
}

/** The HTTP status of an error from the client library (an ApiException, or a watch's non-200 answer). */
export function errorCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface SharedWatchOptions<T extends KubernetesObject> {
  /** For logs: `job` or `pod`. */
  kind: string;
  /** Lists the objects (with the label selector). */
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /**
   * Watches from `resourceVersion`: `onEvent` per line (type, object), `onDone` once when the stream ends (with the
   * error, if any). Resolves with what aborts the stream.
   */
  watch(resourceVersion: string | undefined, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<AbortController>;
  /** Delay before listing again after a failure. */
  relistDelayMs: number;
  logger: Logger;
  /** Called after each change an event brought (the object as it is now; for DELETED, as it was). */
  onEvent(type: WatchEventType, object: T): void;
  /** Called after each completed list, with the objects as listed (`previous`: those the list replaced). */
  onListed(listNumber: number, previous: ReadonlyMap<string, T>): void;
  /** Called when the API refused for good (`watchFailureAction` fail); the watch has stopped. */
  onFatal(error: unknown): void;
}

export interface SharedWatch<T extends KubernetesObject> {
  /** The objects by name, as last listed and watched. */
  readonly objects: ReadonlyMap<string, T>;
  /** How many lists have been started (a list started after something happened reflects it). */
  listsStarted(): number;
  /** Whether a list has completed since the watch started. */
  listed(): boolean;
  /** Lists again (once, for everyone; a list already under way is not doubled). */
  relist(): void;
  stop(): void;
}

export function startSharedWatch<T extends KubernetesObject>(options: SharedWatchOptions<T>): SharedWatch<T> {
  let objects = new Map<string, T>();
  let started = 0;
  let completed = 0;
  let stopped = false;
  let listing = false;
  let again = false;
  let stream: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** Each stream's number: the events and end of a stream replaced since are ignored. */
  let current = 0;
  /** The stream said its history is gone (`ERROR` with a 410 Status); it ends next. */
  let expired = false;

  function failed(error: unknown, what: string): void {
    if (stopped) return;
    const action = watchFailureAction(errorCode(error));
    if (action.kind === 'fail') {
      stop();
      options.onFatal(error);
      return;
    }
    if (action.kind === 'relist-now') {
      options.logger.info({ kind: options.kind, what }, 'watch history expired (410 Gone); listing again');
      return relist();
    }
    options.logger.warn({ err: error, kind: options.kind, what }, 'kubernetes unreachable; listing again later');
    later();
  }

  function later(): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      relist();
    }, options.relistDelayMs);
  }

  function relist(): void {
    if (stopped) return;
    if (listing) {
      again = true;
      return;
    }
    listing = true;
    stream?.abort();
    stream = undefined;
    current += 1;
    const number = current;
    started += 1;
    const listNumber = started;
    void (async () => {
      let list: Awaited<ReturnType<typeof options.list>>;
      try {
        list = await options.list();
      } catch (error) {
        listing = false;
        return failed(error, 'list');
      }
      if (stopped) return;
      const previous = objects;
      objects = new Map(list.items.flatMap((item) => (item.metadata?.name ? [[item.metadata.name, item] as const] : [])));
      completed += 1;
      listing = false;
      options.onListed(listNumber, previous);
      if (again) {
        again = false;
        return relist();
      }
      if (stopped) return;
      const controller = await options.watch(list.metadata?.resourceVersion, (type, object) => {
        if (number === current && !stopped) event(type, object);
      }, (error) => {
        if (number !== current || stopped) return;
        if (error) options.logger.debug({ err: error, kind: options.kind }, 'watch dropped; listing again');
        if (error || expired) {
          const code = expired ? 410 : errorCode(error);
          expired = false;
          return failed(Object.assign(new Error('watch ended'), { statusCode: code }), 'watch');
        }
        // ended cleanly (timed out, dropped by the server): list again, once for all runs
        later();
      });
      if (number !== current || stopped) controller.abort();
      else stream = controller;
    })().catch((error: unknown) => failed(error, 'watch'));
  }

  function event(type: string, raw: unknown): void {
    if (type === 'BOOKMARK') return;
    if (type === 'ERROR') {
      const code = (raw as { code?: unknown } | null)?.code;
      if (code === 410) expired = true;
      return; // the stream ends next and is listed again
    }
    const object = raw as T;
    const name = object.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') objects.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') objects.set(name, object);
    else return;
    options.onEvent(type, object);
  }

  function stop(): void {
    stopped = true;
    current += 1;
    stream?.abort();
    stream = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  relist();
  return {
    get objects() {
      return objects;
    },
    listsStarted: () => started,
    listed: () => completed > 0,
    relist,
    stop,
  };
}
