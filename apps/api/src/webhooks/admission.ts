/** Step 4 of the intake: whether a run a delivery asks for is admitted, and in which status, by the fork policy. */
import type { ForkPolicy } from '@factoryci/db';
import type { RunRequest } from './events.js';

export type Admission =
  | { admitted: true; initialStatus: 'queued' | 'awaiting_approval' }
  | { admitted: false; reason: string };

/**
 * Trusted runs are queued. An untrusted pull request (from a fork) follows the project's fork policy: `disabled` does
 * not run, `no_secrets` is queued (the orchestrator and agent withhold secrets), `approval` awaits approval.
 */
export function admitRun(run: Pick<RunRequest, 'trusted'>, forkPolicy: ForkPolicy): Admission {
  if (run.trusted) return { admitted: true, initialStatus: 'queued' };
  switch (forkPolicy) {
    case 'disabled':
      return { admitted: false, reason: 'pull requests from forks do not run (fork_policy disabled)' };
    case 'approval':
      return { admitted: true, initialStatus: 'awaiting_approval' };
    case 'no_secrets':
      return { admitted: true, initialStatus: 'queued' };
  }
}
