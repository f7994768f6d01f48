import { describe, expect, it } from 'vitest';
import { closingWrites } from './open-nodes.js';

describe('closingWrites', () => {
  it('closes pipelines, then stages, then executions, by sorted id, pending → skipped and running → error with the reason', () => {
    expect(closingWrites('error', 'agent lost', { execution: ['e2', 'e1'], stage: ['s1'], pipeline: ['p1'] })).toEqual([
      { kind: 'pipeline', ids: ['p1'], from: 'pending', to: 'skipped', reason: null },
      { kind: 'pipeline', ids: ['p1'], from: 'running', to: 'error', reason: 'agent lost' },
      { kind: 'stage', ids: ['s1'], from: 'pending', to: 'skipped', reason: null },
      { kind: 'stage', ids: ['s1'], from: 'running', to: 'error', reason: null },
      { kind: 'execution', ids: ['e1', 'e2'], from: 'pending', to: 'skipped', reason: null },
      { kind: 'execution', ids: ['e1', 'e2'], from: 'running', to: 'error', reason: 'agent lost' },
    ]);
  });

  it('cancels everything open after a cancel, and writes nothing for a kind with no open step', () => {
    expect(closingWrites('cancelled', null, { pipeline: [], stage: ['s2'], execution: [] })).toEqual([
      { kind: 'stage', ids: ['s2'], from: 'pending', to: 'cancelled', reason: null },
      { kind: 'stage', ids: ['s2'], from: 'running', to: 'cancelled', reason: null },
    ]);
    expect(closingWrites('success', 'x', { pipeline: [], stage: [], execution: [] })).toEqual([]);
  });

  it('leaves its input alone', () => {
    const execution = ['b', 'a'];
    closingWrites('failure', null, { pipeline: [], stage: [], execution });
    expect(execution).toEqual(['b', 'a']);
  });
});
