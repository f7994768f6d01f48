import { describe, expect, it } from 'vitest';
import { orphaned } from './process-group.js';

describe('orphaned', () => {
  it.each([
    [{ supervisorAlive: true, parentAtStart: 100, parentNow: 100 }, false],
    // the supervisor was SIGKILLed: the agent is re-parented (to init or a subreaper)
    [{ supervisorAlive: false, parentAtStart: 100, parentNow: 1 }, true],
    [{ supervisorAlive: true, parentAtStart: 100, parentNow: 1 }, true],
    // a shell between the supervisor and the agent: the supervisor gone is enough
    [{ supervisorAlive: false, parentAtStart: 200, parentNow: 200 }, true],
  ])('%j → %s', (facts, expected) => {
    expect(orphaned(facts)).toBe(expected);
  });
});
