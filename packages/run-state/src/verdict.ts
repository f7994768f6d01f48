/**
 * The answer of a transition check: allowed, or refused with a machine-readable kind and a sentence for people.
 * - `ended`: the node has a final status; nothing changes it any more.
 * - `same`: the node already has that status (not a transition).
 * - `awaiting-approval`: the workflow waits for a maintainer's approval; only approve and cancel move it.
 * - `not-allowed`: any other move the state machine does not have.
 */
export type Refusal = 'ended' | 'same' | 'awaiting-approval' | 'not-allowed';

export type Verdict = { allowed: true } | { allowed: false; why: Refusal; message: string };

export const ALLOWED: Verdict = { allowed: true };

export function refused(why: Refusal, message: string): Verdict {
  return { allowed: false, why, message };
}
