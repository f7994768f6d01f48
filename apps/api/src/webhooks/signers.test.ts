import { describe, expect, it } from 'vitest';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import { signPayload } from './signature.js';
import { signersOf, type SignerFacts, type SignerProject } from './signers.js';
import { verifyDelivery } from './verify.js';

const widgets: SignerProject = { id: 'p-widgets', url: 'https://github.com/acme/widgets', forkPolicy: 'no_secrets', cancelSuperseded: false, githubFullName: null, installationId: null };
const gadgets: SignerProject = { id: 'p-gadgets', url: 'https://github.com/acme/widgets', forkPolicy: 'approval', cancelSuperseded: false, githubFullName: null, installationId: null };
const local: SignerProject = { id: 'p-local', url: 'file:///srv/git/widgets', forkPolicy: 'no_secrets', cancelSuperseded: false, githubFullName: null, installationId: null };
const repository = { fullName: 'acme/widgets', id: 42 };
const facts = (over: Partial<SignerFacts>): SignerFacts => ({ repository, localPaths: [], projects: [], appSecret: null, ...over });

describe('signersOf', () => {
  it('the repository\'s projects sign, and the App', () => {
    const signers = signersOf(facts({ projects: [{ project: widgets, secret: 'widgets-secret' }], appSecret: 'app-secret' }));
    expect(signers).toEqual({
      repository,
      projects: [widgets],
      candidates: [
        { secret: 'widgets-secret', project: widgets },
        { secret: 'app-secret', project: null },
      ],
    });
  });

  it('only the App signs for a repository no project has yet… unless it names no project at all', () => {
    expect(signersOf(facts({ appSecret: 'app-secret' })).candidates).toEqual([{ secret: 'app-secret', project: null }]);
    expect(() => signersOf(facts({}))).toThrow(new NotFoundError('no project for repository acme/widgets'));
  });

  it('a local location is signed by its project alone, never by the App', () => {
    const signers = signersOf(facts({ localPaths: ['/srv/git/widgets'], projects: [{ project: local, secret: 'local-secret' }], appSecret: 'app-secret' }));
    expect(signers.candidates).toEqual([{ secret: 'local-secret', project: local }]);
    expect(() => signersOf(facts({ localPaths: ['/srv/git/widgets', '/srv/git/other'], appSecret: 'app-secret' }))).toThrow(
      new NotFoundError('no project for repository /srv/git/widgets, /srv/git/other'),
    );
  });

  it('a delivery naming no repository is the App\'s, or cannot be verified', () => {
    expect(signersOf(facts({ repository: null, appSecret: 'app-secret' })).candidates).toEqual([{ secret: 'app-secret', project: null }]);
    expect(() => signersOf(facts({ repository: null }))).toThrow(UnauthorizedError);
  });
});

describe('verifyDelivery', () => {
  const body = Buffer.from('{"zen":"Keep it logically awesome."}');
  const signers = signersOf(
    facts({
      projects: [
        { project: widgets, secret: 'widgets-secret' },
        { project: gadgets, secret: 'gadgets-secret' },
      ],
      appSecret: 'app-secret',
    }),
  );

  it('names the project whose secret signed', () => {
    expect(verifyDelivery(body, signPayload('gadgets-secret', body), signers)).toEqual({ project: gadgets });
  });

  it('with the App\'s signature, the delivery is about the repository\'s first project (or none)', () => {
    expect(verifyDelivery(body, signPayload('app-secret', body), signers)).toEqual({ project: widgets });
    const appOnly = signersOf(facts({ repository: null, appSecret: 'app-secret' }));
    expect(verifyDelivery(body, signPayload('app-secret', body), appOnly)).toEqual({ project: null });
  });

  it('401 for a missing, malformed or wrong signature', () => {
    for (const header of [undefined, 'sha1=abc', 'sha256=zz', signPayload('another-secret', body), signPayload('widgets-secret', `${body.toString()} `)]) {
      expect(() => verifyDelivery(body, header, signers), String(header)).toThrow(new UnauthorizedError('missing or wrong X-Hub-Signature-256'));
    }
  });
});
