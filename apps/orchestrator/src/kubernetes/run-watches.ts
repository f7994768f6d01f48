/**
 * What the Kubernetes runner sees of each run it follows, from one shared watch of its Jobs and one of its pods
 * (`shared-watch.ts`, by the managed-by label) instead of a list and two streams per run. Each followed run is told of
 * the changes to its Job (by name) and to the pod that Job owns (an idle pool agent's pod labelled for the run whose
 * claim failed is owned by another Job and never counts). A run is `ready` to be judged only once both kinds were
 * listed and its Job was seen, or is known gone (`seenJob`, pure): a Job the watch has not shown yet (just created,
 * the stream behind) is waited for, and one unseen for `unseenRelistMs` makes the Jobs be listed again (once for
 * all). A refused watch (a 4xx other than 410/429) fails every followed run. The watches run while a run is followed.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { startSharedWatch, type SharedWatch, type SharedWatchOptions } from './shared-watch.js';

/** What a followed run has seen. `job: null`: the Job is gone; undefined: not seen yet. */
export interface SeenRun {
  ready: boolean;
  job: V1Job | null | undefined;
  pod: V1Pod | undefined;
}

export interface RunWatches {
  /**
   * Follows the run whose Job is `jobName`: `onChange` after each change to its Job or pod and at every tick;
   * `onFatal` when the API refused the watch for good. Returns the unfollow.
   */
  follow(jobName: string, onChange: (seen: SeenRun) => void, onFatal: (error: unknown) => void): () => void;
  /** How many runs are followed. */
  size(): number;
}

export interface RunWatchesOptions {
  /** The list and watch of the runner's Jobs and pods (`SharedWatchOptions` without the callbacks). */
  jobs: Pick<SharedWatchOptions<V1Job>, 'list' | 'watch'>;
  pods: Pick<SharedWatchOptions<V1Pod>, 'list' | 'watch'>;
  relistDelayMs: number;
  /** How often every followed run is judged again (deadlines of problems, cancels). */
  tickMs: number;
  /** A followed run's Job not seen this long makes the Jobs be listed again. Default 10 s. */
  unseenRelistMs?: number;
  logger: Logger;
}

/** The name of the Job that owns `pod`, if a Job does. Pure. */
export function ownerJob(pod: V1Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((owner) => owner.kind === 'Job')?.name;
}

/**
 * A followed run's Job: the watched one; else gone (null) when a DELETED event for it came, or a list started after
 * the run was followed did not hold it; else not seen yet (undefined: wait). Pure.
 */
export function seenJob(input: { watched: V1Job | undefined; deletedSinceFollowed: boolean; listedWithoutSinceFollowed: boolean }): V1Job | null | undefined {
  if (input.watched) return input.watched;
  if (input.deletedSinceFollowed || input.listedWithoutSinceFollowed) return null;
  return undefined;
}

interface Follower {
  jobName: string;
  /** Lists of Jobs started before this run was followed (a later one reflects its Job). */
  listsBefore: number;
  followedAtMs: number;
  deleted: boolean;
  listedWithout: boolean;
  onChange(seen: SeenRun): void;
  onFatal(error: unknown): void;
}

export function createRunWatches(options: RunWatchesOptions): RunWatches {
  const unseenRelistMs = options.unseenRelistMs ?? 10_000;
  const followers = new Map<string, Set<Follower>>();
  /** The pod of each Job (by the Job's name), from the pod watch. */
  let podOf = new Map<string, V1Pod>();
  let session: { jobs: SharedWatch<V1Job>; pods: SharedWatch<V1Pod>; tick: NodeJS.Timeout } | undefined;
  let lastUnseenRelist = 0;

  function seen(follower: Follower): SeenRun {
    if (!session) return { ready: false, job: undefined, pod: undefined };
    const job = seenJob({ watched: session.jobs.objects.get(follower.jobName), deletedSinceFollowed: follower.deleted, listedWithoutSinceFollowed: follower.listedWithout });
    return { ready: session.jobs.listed() && session.pods.listed() && job !== undefined, job, pod: podOf.get(follower.jobName) };
  }

  function tell(jobName: string): void {
    for (const follower of [...(followers.get(jobName) ?? [])]) follower.onChange(seen(follower));
  }

  function tellAll(): void {
    for (const jobName of [...followers.keys()]) tell(jobName);
  }

  function fatal(error: unknown): void {
    const all = [...followers.values()].flatMap((set) => [...set]);
    followers.clear();
    stopSession();
    for (const follower of all) follower.onFatal(error);
  }

  function tick(): void {
    if (!session) return;
    const now = Date.now();
    const unseen = [...followers.values()].some((set) => [...set].some((follower) => seen(follower).job === undefined && now - follower.followedAtMs >= unseenRelistMs));
    if (unseen && now - lastUnseenRelist >= unseenRelistMs) {
      lastUnseenRelist = now;
      options.logger.info('a followed run\'s Job was not seen by the watch: listing the Jobs again');
      session.jobs.relist();
    }
    tellAll();
  }

  function startSession(): void {
    podOf = new Map();
    const common = { relistDelayMs: options.relistDelayMs, logger: options.logger, onFatal: fatal };
    const jobs = startSharedWatch<V1Job>({
      ...options.jobs,
      ...common,
      kind: 'job',
      onEvent(type, job) {
        const name = job.metadata?.name ?? '';
        if (type === 'DELETED') for (const follower of followers.get(name) ?? []) follower.deleted = true;
        tell(name);
      },
      onListed(listNumber) {
        if (!session) return;
        for (const [name, set] of followers) {
          if (session.jobs.objects.has(name)) continue;
          for (const follower of set) if (listNumber > follower.listsBefore) follower.listedWithout = true;
        }
        tellAll();
      },
    });
    const pods = startSharedWatch<V1Pod>({
      ...options.pods,
      ...common,
      kind: 'pod',
      onEvent(type, pod) {
        const owner = ownerJob(pod);
        if (!owner) return;
        if (type !== 'DELETED') podOf.set(owner, pod);
        else if (podOf.get(owner)?.metadata?.name === pod.metadata?.name) podOf.delete(owner);
        tell(owner);
      },
      onListed() {
        if (!session) return;
        podOf = new Map();
        for (const pod of session.pods.objects.values()) {
          const owner = ownerJob(pod);
          if (owner) podOf.set(owner, pod);
        }
        tellAll();
      },
    });
    session = { jobs, pods, tick: setInterval(tick, options.tickMs) };
  }

  function stopSession(): void {
    if (!session) return;
    session.jobs.stop();
    session.pods.stop();
    clearInterval(session.tick);
    session = undefined;
    podOf = new Map();
  }

  return {
    follow(jobName, onChange, onFatal) {
      // a session started now numbers its lists from 1: all of them come after this run was followed
      const listsBefore = session ? session.jobs.listsStarted() : 0;
      const follower: Follower = { jobName, listsBefore, followedAtMs: Date.now(), deleted: false, listedWithout: false, onChange, onFatal };
      let set = followers.get(jobName);
      if (!set) followers.set(jobName, (set = new Set()));
      set.add(follower);
      if (!session) startSession();
      queueMicrotask(() => {
        if (set.has(follower)) follower.onChange(seen(follower));
      });
      return () => {
        set.delete(follower);
        if (set.size === 0 && followers.get(jobName) === set) followers.delete(jobName);
        if (followers.size === 0) stopSession();
      };
    },
    size: () => [...followers.values()].reduce((sum, set) => sum + set.size, 0),
  };
}
