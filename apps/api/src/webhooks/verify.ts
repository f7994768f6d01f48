/** Step 2 of the intake: which candidate signed the delivery, checked in constant time before anything is written. */
import { UnauthorizedError } from '../errors.js';
import { findSigningSecret } from './signature.js';
import { WRONG_SIGNATURE } from './verification-order.js';
import type { SignerProject, Signers } from './signers.js';

export interface Verified {
  /** The project the delivery is for: the signer's, or for the App's signature the payload's first project, if any. */
  project: SignerProject | null;
}

/** The verified signer of `raw` given its X-Hub-Signature-256 `header`; 401 (UnauthorizedError) when none signed it. */
export function verifyDelivery(raw: Buffer, header: string | undefined, signers: Signers): Verified {
  const signer = findSigningSecret(raw, header, signers.candidates);
  if (!signer) throw new UnauthorizedError(WRONG_SIGNATURE);
  return { project: signer.project ?? signers.projects[0] ?? null };
}

/**
 * The project of a delivery already verified with the App's secret (on the raw bytes, before parsing): the payload's
 * repository's first project, or none. 401 when the App may not sign for what the payload names — a repository on this
 * machine, which only its project's secret signs (see signersOf).
 */
export function verifiedByApp(signers: Signers): Verified {
  if (!signers.candidates.some((c) => c.project === null)) throw new UnauthorizedError(WRONG_SIGNATURE);
  return { project: signers.projects[0] ?? null };
}
