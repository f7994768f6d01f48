import { describe, expect, it } from 'vitest';
import { WORKFLOW_STATUSES } from '@factoryci/run-state';
import { rerunRefusal } from './rerun.js';

describe('rerunRefusal', () => {
  it('allows the ended statuses only', () => {
    const allowed = WORKFLOW_STATUSES.filter((status) => rerunRefusal(status) === null);
    expect(allowed).toEqual(['success', 'failure', 'cancelled', 'error']);
    expect(rerunRefusal('running')).toMatch(/it is running: only a workflow that has ended can be re-run/);
  });
});
