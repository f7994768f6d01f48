import { ApiException, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ownerJob, seenJob } from './run-watches.js';
import { errorCode, watchFailureAction, type WatchFailureAction } from './shared-watch.js';

const job: V1Job = { metadata: { name: 'factory-run-a' } };

describe('a followed run\'s Job as the shared watch shows it (seenJob)', () => {
  const cases: [string, Parameters<typeof seenJob>[0], V1Job | null | undefined][] = [
    ['the watched Job', { watched: job, deletedSinceFollowed: false, listedWithoutSinceFollowed: false }, job],
    ['… even after a deletion, when it is back (a Job made again with the name)', { watched: job, deletedSinceFollowed: true, listedWithoutSinceFollowed: false }, job],
    ['not seen yet (just created, the stream behind): wait, never "deleted"', { watched: undefined, deletedSinceFollowed: false, listedWithoutSinceFollowed: false }, undefined],
    ['a DELETED event for it since it was followed: gone', { watched: undefined, deletedSinceFollowed: true, listedWithoutSinceFollowed: false }, null],
    ['a list started after it was followed did not hold it: gone', { watched: undefined, deletedSinceFollowed: false, listedWithoutSinceFollowed: true }, null],
  ];
  it.each(cases)('%s', (_name, input, seen) => {
    expect(seenJob(input)).toBe(seen);
  });
});

describe('the Job a pod belongs to (ownerJob): only its owner, never its labels', () => {
  const pod = (owners: { kind: string; name: string }[] | undefined, labels: Record<string, string> = {}): V1Pod => ({
    metadata: { name: 'p', labels, ...(owners ? { ownerReferences: owners.map((owner) => ({ ...owner, apiVersion: 'batch/v1', uid: 'u' })) } : {}) },
  });
  const cases: [string, V1Pod, string | undefined][] = [
    ['a run\'s pod: its Job', pod([{ kind: 'Job', name: 'factory-run-a' }], { 'factoryci.dev/run-id': 'a' }), 'factory-run-a'],
    ['a pool agent\'s pod labelled for the run whose claim failed: its own Job, not the run\'s', pod([{ kind: 'Job', name: 'factory-idle-x' }], { 'factoryci.dev/run-id': 'a' }), 'factory-idle-x'],
    ['a pod owned by something else', pod([{ kind: 'ReplicaSet', name: 'rs' }]), undefined],
    ['a pod without owner', pod(undefined), undefined],
  ];
  it.each(cases)('%s', (_name, input, owner) => {
    expect(ownerJob(input)).toBe(owner);
  });
});

describe('what the shared watch does after a failed list or watch (watchFailureAction)', () => {
  const cases: [string, number | undefined, WatchFailureAction['kind']][] = [
    ['410 Gone (the history was compacted): list again now', 410, 'relist-now'],
    ['429 Too Many Requests: later', 429, 'relist-later'],
    ['no answer (unreachable, stream broken): later', undefined, 'relist-later'],
    ['500: later', 500, 'relist-later'],
    ['503: later', 503, 'relist-later'],
    ['403 Forbidden: the runs fail', 403, 'fail'],
    ['400 (a selector refused): the runs fail', 400, 'fail'],
    ['404: the runs fail', 404, 'fail'],
  ];
  it.each(cases)('%s', (_name, code, kind) => {
    expect(watchFailureAction(code).kind).toBe(kind);
  });

  it('reads the status of the client library\'s errors: an ApiException, a watch\'s non-200 answer', () => {
    expect(errorCode(new ApiException(403, 'Forbidden', '{}', {}))).toBe(403);
    expect(errorCode(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(410);
    expect(errorCode(new Error('socket hang up'))).toBeUndefined();
  });
});
