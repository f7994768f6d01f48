/**
 * Step 0 of the intake: what is checked before a delivery's body is parsed, so that unauthenticated work is bounded.
 * The signature is checked on the raw bytes whenever the signer can be known without parsing: the App's secret (tried
 * first on `/hooks/github`), or the project named in the URL (`/hooks/github/<project id>`). Only a delivery signed by
 * neither, on `/hooks/github`, is parsed to find the project its repository names — and only when it is small (at
 * most MAX_UNVERIFIED_PARSE_BYTES) and the budget of such bodies held at once is not spent.
 */
import { PayloadTooLargeError, ServiceUnavailableError, UnauthorizedError, type ApiError } from '../errors.js';

/** The largest body parsed before its signer is known: about 65 ms and 23 MB of heap for the worst-shaped JSON. */
export const MAX_UNVERIFIED_PARSE_BYTES = 1024 * 1024;
/** The bytes of such bodies held parsed at once, across requests (so at most 8 of the largest). */
export const UNVERIFIED_BUDGET_BYTES = 8 * MAX_UNVERIFIED_PARSE_BYTES;

/** Events only the GitHub App sends: accepted with GITHUB_APP_WEBHOOK_SECRET alone, never with a project's secret. */
export const APP_ONLY_EVENTS: readonly string[] = ['installation', 'installation_repositories'];

export interface UnparsedFacts {
  /** X-GitHub-Event. */
  event: string;
  bytes: number;
  /** The URL names a project (`/hooks/github/<project id>`). */
  projectInUrl: boolean;
  /** Whose secret signed the raw bytes, of those tried before parsing: the URL's project's, or the App's. */
  signedBy: 'app' | 'project' | null;
}

export type UnparsedVerdict =
  /** Verified: parse it. */
  | { verdict: 'verified'; by: 'app' | 'project' }
  /** Parse it (small, within the budget) to find the project whose secret may have signed it, then verify. */
  | { verdict: 'find_signers' }
  | { verdict: 'refused'; error: ApiError };

export const WRONG_SIGNATURE = 'missing or wrong X-Hub-Signature-256';
export const APP_ONLY = 'installation events are accepted only when signed with the GitHub App\'s webhook secret (GITHUB_APP_WEBHOOK_SECRET)';
export const TOO_LARGE_UNVERIFIED =
  `a delivery to /hooks/github over ${MAX_UNVERIFIED_PARSE_BYTES} bytes must be signed with the GitHub App's webhook secret; ` +
  'send a repository webhook\'s deliveries to /hooks/github/<project id>';

export function unparsedVerdict(facts: UnparsedFacts): UnparsedVerdict {
  const appOnly = APP_ONLY_EVENTS.includes(facts.event);
  if (facts.signedBy === 'app') return { verdict: 'verified', by: 'app' };
  if (facts.signedBy === 'project') {
    return appOnly ? { verdict: 'refused', error: new UnauthorizedError(APP_ONLY) } : { verdict: 'verified', by: 'project' };
  }
  if (facts.projectInUrl) return { verdict: 'refused', error: new UnauthorizedError(WRONG_SIGNATURE) };
  if (appOnly) return { verdict: 'refused', error: new UnauthorizedError(APP_ONLY) };
  if (facts.bytes > MAX_UNVERIFIED_PARSE_BYTES) return { verdict: 'refused', error: new PayloadTooLargeError(TOO_LARGE_UNVERIFIED) };
  return { verdict: 'find_signers' };
}

/** The answer when the budget of unverified bodies is spent: retry (GitHub shows the delivery failed; redeliver it). */
export const busyError = (): ApiError => new ServiceUnavailableError('too many unverified deliveries are being checked; retry later');
