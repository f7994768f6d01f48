import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, UnauthorizedError } from '../errors.js';
import { APP_ONLY, MAX_UNVERIFIED_PARSE_BYTES, TOO_LARGE_UNVERIFIED, unparsedVerdict, WRONG_SIGNATURE, type UnparsedFacts, type UnparsedVerdict } from './verification-order.js';

const small = 10_000;
const large = MAX_UNVERIFIED_PARSE_BYTES + 1;
const facts = (over: Partial<UnparsedFacts>): UnparsedFacts => ({ event: 'push', bytes: small, projectInUrl: false, signedBy: null, ...over });

describe('unparsedVerdict: what is checked before a delivery is parsed', () => {
  const cases: { name: string; facts: UnparsedFacts; verdict: UnparsedVerdict }[] = [
    { name: 'the App\'s signature verifies anything, of any size', facts: facts({ signedBy: 'app', bytes: large }), verdict: { verdict: 'verified', by: 'app' } },
    { name: 'the App\'s signature verifies installation events', facts: facts({ signedBy: 'app', event: 'installation' }), verdict: { verdict: 'verified', by: 'app' } },
    { name: 'the URL\'s project\'s signature verifies its events, of any size', facts: facts({ projectInUrl: true, signedBy: 'project', bytes: large }), verdict: { verdict: 'verified', by: 'project' } },
    {
      name: 'a project\'s signature never verifies installation events',
      facts: facts({ projectInUrl: true, signedBy: 'project', event: 'installation' }),
      verdict: { verdict: 'refused', error: new UnauthorizedError(APP_ONLY) },
    },
    {
      name: '…nor installation_repositories',
      facts: facts({ projectInUrl: true, signedBy: 'project', event: 'installation_repositories' }),
      verdict: { verdict: 'refused', error: new UnauthorizedError(APP_ONLY) },
    },
    { name: 'the URL names a project whose secret did not sign: 401, nothing parsed', facts: facts({ projectInUrl: true }), verdict: { verdict: 'refused', error: new UnauthorizedError(WRONG_SIGNATURE) } },
    { name: 'an installation event the App did not sign: 401, nothing parsed', facts: facts({ event: 'installation' }), verdict: { verdict: 'refused', error: new UnauthorizedError(APP_ONLY) } },
    { name: 'a large delivery the App did not sign: 413, nothing parsed', facts: facts({ bytes: large }), verdict: { verdict: 'refused', error: new PayloadTooLargeError(TOO_LARGE_UNVERIFIED) } },
    { name: 'a small one is parsed to find its project', facts: facts({}), verdict: { verdict: 'find_signers' } },
    { name: '…up to the bound', facts: facts({ bytes: MAX_UNVERIFIED_PARSE_BYTES }), verdict: { verdict: 'find_signers' } },
  ];
  for (const { name, facts: given, verdict } of cases) {
    it(name, () => {
      const got = unparsedVerdict(given);
      expect(got).toEqual(verdict);
      if (got.verdict === 'refused' && verdict.verdict === 'refused') expect(got.error).toBeInstanceOf(verdict.error.constructor);
    });
  }
});
