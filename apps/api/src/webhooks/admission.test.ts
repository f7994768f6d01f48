import { describe, expect, it } from 'vitest';
import { admitRun, type Admission } from './admission.js';

describe('admitRun', () => {
  const cases: { trusted: boolean; forkPolicy: 'disabled' | 'no_secrets' | 'approval'; admission: Admission }[] = [
    { trusted: true, forkPolicy: 'disabled', admission: { admitted: true, initialStatus: 'queued' } },
    { trusted: true, forkPolicy: 'no_secrets', admission: { admitted: true, initialStatus: 'queued' } },
    { trusted: true, forkPolicy: 'approval', admission: { admitted: true, initialStatus: 'queued' } },
    { trusted: false, forkPolicy: 'disabled', admission: { admitted: false, reason: 'pull requests from forks do not run (fork_policy disabled)' } },
    { trusted: false, forkPolicy: 'no_secrets', admission: { admitted: true, initialStatus: 'queued' } },
    { trusted: false, forkPolicy: 'approval', admission: { admitted: true, initialStatus: 'awaiting_approval' } },
  ];
  for (const { trusted, forkPolicy, admission } of cases) {
    it(`${trusted ? 'trusted' : 'untrusted'} run, fork_policy ${forkPolicy} → ${admission.admitted ? admission.initialStatus : 'not admitted'}`, () => {
      expect(admitRun({ trusted }, forkPolicy)).toEqual(admission);
    });
  }
});
