import { describe, expect, it } from 'vitest';
import { MAX_TOP_UP_DELAY_MS, poolFit, poolTopUp, type PoolShape, type PoolState } from './pool-decisions.js';
import type { RunnerRequest } from './runner.js';

const local: PoolShape = { appliesRunnerBlock: false };
const pods: PoolShape = { appliesRunnerBlock: true, image: 'factory-agent:1', cpu: '1', memory: '2Gi' };
const service = { name: 'db', image: 'mariadb:11', env: {}, ports: [3306] };

describe('poolFit', () => {
  it.each<[string, RunnerRequest | null | undefined, PoolShape, boolean]>([
    ['no runner block', undefined, pods, true],
    ['a runner block not read', null, pods, true],
    ['an empty runner block', {}, pods, true],
    ['the pool\'s own image and resources', { image: 'factory-agent:1', cpu: '1', memory: '2Gi' }, pods, true],
    ['nulls (not set)', { image: null, cpu: null, memory: null, services: null }, pods, true],
    ['no services', { services: [] }, pods, true],
    ['another image', { image: 'node:20' }, pods, false],
    ['more cpu', { cpu: '2' }, pods, false],
    ['other memory', { memory: '4Gi' }, pods, false],
    ['a service', { services: [service] }, pods, false],
    // the local runner applies no runner block: a fresh local agent would be the same as a pooled one
    ['another image, locally', { image: 'node:20' }, local, true],
    ['a service, locally', { services: [service] }, local, true],
  ])('%s → fits %s', (_what, request, shape, fits) => {
    expect(poolFit(request, shape).fits).toBe(fits);
  });

  it('says why a workflow does not fit', () => {
    expect(poolFit({ image: 'node:20' }, pods)).toEqual({ fits: false, why: 'its runner block asks for image node:20' });
    expect(poolFit({ services: [service] }, pods)).toEqual({ fits: false, why: 'its runner block declares services' });
  });
});

describe('poolTopUp', () => {
  const state = (over: Partial<PoolState>): PoolState => ({ size: 2, idle: 0, starting: 0, failuresInARow: 0, closed: false, ...over });
  it.each<[string, Partial<PoolState>, { start: number; afterMs: number }]>([
    ['an empty pool fills at once', {}, { start: 2, afterMs: 0 }],
    ['a claimed agent is replaced at once', { idle: 1 }, { start: 1, afterMs: 0 }],
    ['agents being started count', { idle: 1, starting: 1 }, { start: 0, afterMs: 0 }],
    ['a full pool starts nothing', { idle: 2 }, { start: 0, afterMs: 0 }],
    ['more idle than the size (never shrinks by killing)', { idle: 3 }, { start: 0, afterMs: 0 }],
    ['size 0: no pool', { size: 0 }, { start: 0, afterMs: 0 }],
    ['a closed pool starts nothing', { closed: true }, { start: 0, afterMs: 0 }],
    ['after a failure: one, half a second later', { failuresInARow: 1 }, { start: 1, afterMs: 500 }],
    ['after three: one, 2 s later', { failuresInARow: 3 }, { start: 1, afterMs: 2000 }],
    ['after many: one, at most 30 s later', { failuresInARow: 40 }, { start: 1, afterMs: MAX_TOP_UP_DELAY_MS }],
    ['after a failure, while one is starting: none more', { failuresInARow: 2, starting: 1 }, { start: 0, afterMs: 1000 }],
  ])('%s', (_what, over, expected) => {
    expect(poolTopUp(state(over))).toEqual(expected);
  });
});
