import { describe, expect, it } from 'vitest';
import { suiteReruns, type SuiteWorkflow } from './check-suite-rerun.js';

const w = (number: number, event: string, ref: string, status: SuiteWorkflow['status']): SuiteWorkflow => ({ id: `w${number}`, number, event, ref, status });

describe('suiteReruns: which of a commit\'s workflows "Re-run all checks" re-runs', () => {
  it('the latest of each event and ref, those that ended; the latest still running are named apart', () => {
    const workflows = [
      w(1, 'push', 'refs/heads/main', 'failure'),
      w(3, 'push', 'refs/heads/main', 'success'), // a re-run of #1: the latest of the push
      w(2, 'pull_request', 'refs/pull/7/head', 'failure'),
      w(4, 'manual', 'refs/heads/main', 'running'),
    ];
    expect(suiteReruns(workflows)).toEqual({ rerun: [workflows[2], workflows[1]], running: [workflows[3]] });
  });

  it('nothing for no workflows, or when the latest is still running although an older one ended', () => {
    expect(suiteReruns([])).toEqual({ rerun: [], running: [] });
    const older = w(1, 'push', 'refs/heads/main', 'failure');
    const latest = w(2, 'push', 'refs/heads/main', 'queued');
    expect(suiteReruns([latest, older])).toEqual({ rerun: [], running: [latest] });
  });
});
