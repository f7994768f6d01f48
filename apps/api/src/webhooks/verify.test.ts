import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../errors.js';
import { signersOf, type SignerProject } from './signers.js';
import { verifiedByApp } from './verify.js';

const widgets: SignerProject = { id: 'p-widgets', url: 'https://github.com/acme/widgets', forkPolicy: 'no_secrets', cancelSuperseded: false, githubFullName: null, installationId: null };
const local: SignerProject = { id: 'p-local', url: 'file:///srv/git/widgets', forkPolicy: 'no_secrets', cancelSuperseded: false, githubFullName: null, installationId: null };

describe('verifiedByApp (a delivery whose bytes the App\'s secret signed)', () => {
  it('is about the repository\'s first project, or none', () => {
    const signers = signersOf({ repository: { fullName: 'acme/widgets', id: 42 }, localPaths: [], projects: [{ project: widgets, secret: 's' }], appSecret: 'app' });
    expect(verifiedByApp(signers)).toEqual({ project: widgets });
    expect(verifiedByApp(signersOf({ repository: null, localPaths: [], projects: [], appSecret: 'app' }))).toEqual({ project: null });
  });

  it('401 for a repository on this machine: only its project signs for it', () => {
    const signers = signersOf({ repository: null, localPaths: ['/srv/git/widgets'], projects: [{ project: local, secret: 's' }], appSecret: 'app' });
    expect(() => verifiedByApp(signers)).toThrow(UnauthorizedError);
  });
});
