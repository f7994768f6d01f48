import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubAppClient } from '../../apps/api/src/github/github-app.js';
import { completeGithubSignIn, GithubCodeRejectedError, UserDisabledError, type GithubSignInDeps } from '../../apps/api/src/github/github-sign-in.js';
import { saveInstallation } from '../../apps/api/src/github/installations.js';
import type { GithubStandin } from '../standins/github/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let database: TestDatabase;
let deps: GithubSignInDeps;
let recorded = 0;

const acme = { login: 'acme', id: 7001, type: 'Organization' as const };
const bolt = { login: 'bolt', id: 7002, type: 'Organization' as const };
const cogs = { login: 'cogs', id: 7003, type: 'Organization' as const };
const race = { login: 'race', id: 7004, type: 'Organization' as const };
const alice = { login: 'alice', id: 501, type: 'User' as const };

beforeAll(async () => {
  [github, database] = await Promise.all([startStandinFor(identity), createTestDatabase()]);
  const permissions = { metadata: 'read', contents: 'read' };
  github.addInstallation({ id: 41, account: acme, repositories: ['acme/widgets', 'acme/gears'], permissions });
  github.addInstallation({ id: 42, account: alice, repositories: ['alice/dotfiles'], permissions });
  github.addInstallation({ id: 43, account: bolt, repositories: ['bolt/nuts'], permissions });
  github.addInstallation({ id: 44, account: cogs, repositories: ['cogs/teeth'], permissions });
  github.addInstallation({ id: 45, account: race, repositories: ['race/track'], permissions });
  github.addUser(alice, [41, 42, 43], { name: 'Alice Liddell' });
  github.addUser({ login: 'dave', id: 502, type: 'User' }, [41]);
  github.addUser({ login: 'carol', id: 503, type: 'User' }, [44]);
  github.addUser({ login: 'octocat', id: 583, type: 'User' }, []);
  github.addUser({ login: 'erin', id: 504, type: 'User' }, [45]);
  github.addUser({ login: 'frank', id: 505, type: 'User' }, [45]);
  github.setOrgMembership('acme', 'alice', { role: 'admin' });
  github.setOrgMembership('acme', 'dave', { role: 'admin' });
  github.setOrgMembership('bolt', 'alice', { role: 'member' });
  github.setOrgMembership('cogs', 'carol', { role: 'admin' });
  github.setOrgMembership('race', 'erin', { role: 'admin' });
  github.setOrgMembership('race', 'frank', { role: 'admin' });
  deps = {
    db: database.db,
    github: createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url }),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    onInstallationRecorded: () => recorded++,
  };
});
afterAll(async () => {
  await Promise.all([github?.close(), database?.drop()]);
});

const signIn = (login: string) => completeGithubSignIn(deps, github.issueOAuthCode(login));
const adminsOf = async (owner: string) =>
  (await database.db.ownerMember.findMany({ where: { owner: { name: owner } }, include: { user: true } })).map((m) => `${m.user.login}:${m.role}`);

describe('completeGithubSignIn against the stand-in and MariaDB', () => {
  it('a new user: the users row from GitHub; admin of the org they administer and of their own account, not of an org they are a member of', async () => {
    const result = await signIn('alice');
    expect({ ...result, linkedOwners: [...result.linkedOwners].sort() }).toEqual({ userId: expect.any(String), login: 'alice', linkedOwners: ['acme', 'alice'] });
    expect(await database.db.user.findUniqueOrThrow({ where: { id: result.userId } })).toMatchObject({
      login: 'alice',
      name: 'Alice Liddell',
      githubId: 501n,
      githubLogin: 'alice',
      passwordHash: null,
      admin: false,
    });
    expect(await adminsOf('acme')).toEqual(['alice:admin']);
    expect(await adminsOf('alice')).toEqual(['alice:admin']);
    // The installations she administers were recorded (with their repositories); bolt's was not.
    const acmeInstallation = await database.db.installation.findUniqueOrThrow({ where: { id: 41n }, include: { owner: true, repositories: true } });
    expect([acmeInstallation.owner?.name, acmeInstallation.repositories.map((r) => r.fullName).sort()]).toEqual(['acme', ['acme/gears', 'acme/widgets']]);
    expect(await database.db.installation.findUnique({ where: { id: 43n } })).toBeNull();
    expect(await database.db.owner.findUnique({ where: { name: 'bolt' } })).toBeNull();
    expect(recorded).toBe(2);
  });

  it('a returning user: the same row, GitHub login and name kept current, nothing linked again', async () => {
    const first = await database.db.user.findUniqueOrThrow({ where: { githubId: 501n } });
    expect(await signIn('alice')).toEqual({ userId: first.id, login: 'alice', linkedOwners: [] });
    // Renamed on GitHub (same id): the FactoryCI login stays, github_login follows.
    github.addUser({ login: 'alice-renamed', id: 501, type: 'User' }, [41, 42, 43], { name: 'Alice L.' });
    github.setOrgMembership('acme', 'alice-renamed', { role: 'admin' });
    expect(await signIn('alice-renamed')).toEqual({ userId: first.id, login: 'alice', linkedOwners: [] });
    expect(await database.db.user.count({ where: { githubId: 501n } })).toBe(1);
    expect(await database.db.user.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ login: 'alice', githubLogin: 'alice-renamed', name: 'Alice L.' });
    expect(await adminsOf('acme')).toEqual(['alice:admin']);
  });

  it('the same new user signing in twice at once: one row', async () => {
    github.addUser({ login: 'hank', id: 507, type: 'User' }, []);
    const [a, b] = await Promise.all([signIn('hank'), signIn('hank')]);
    expect(a.userId).toBe(b.userId);
    expect(await database.db.user.count({ where: { githubId: 507n } })).toBe(1);
  });

  it('a login a local user has already: the GitHub user gets <login>-gh, the local user is left alone', async () => {
    const local = await database.db.user.create({ data: { login: 'octocat', passwordHash: 'scrypt$local' } });
    const result = await signIn('octocat');
    expect(result.login).toBe('octocat-gh');
    expect(await database.db.user.findUniqueOrThrow({ where: { id: local.id } })).toMatchObject({ login: 'octocat', githubId: null, passwordHash: 'scrypt$local' });
    expect(await database.db.user.findUniqueOrThrow({ where: { id: result.userId } })).toMatchObject({ login: 'octocat-gh', githubId: 583n, githubLogin: 'octocat' });
  });

  it('an org admin becomes the admin of the owner of an installation recorded before', async () => {
    const { ownerId } = await saveInstallation(database.db, { id: 44, account: cogs, repositorySelection: 'selected', permissions: {}, suspended: false }, []);
    const result = await signIn('carol');
    expect(result.linkedOwners).toEqual(['cogs']);
    expect(await database.db.ownerMember.findMany({ where: { ownerId }, select: { userId: true, role: true } })).toEqual([{ userId: result.userId, role: 'admin' }]);
  });

  it('a second admin of the account does not replace the first, nor become a member', async () => {
    const dave = await signIn('dave');
    expect(dave.linkedOwners).toEqual([]);
    expect(await adminsOf('acme')).toEqual(['alice:admin']);
    expect(await database.db.ownerMember.count({ where: { userId: dave.userId } })).toBe(0);
  });

  it('two admins signing in at once: exactly one becomes the admin', async () => {
    const [erin, frank] = await Promise.all([signIn('erin'), signIn('frank')]);
    expect([...erin.linkedOwners, ...frank.linkedOwners]).toEqual(['race']);
    expect(await database.db.ownerMember.count({ where: { owner: { name: 'race' }, role: 'admin' } })).toBe(1);
  });

  it('a code works once: used again, or never issued, it is refused', async () => {
    const code = github.issueOAuthCode('dave');
    await completeGithubSignIn(deps, code);
    await expect(completeGithubSignIn(deps, code)).rejects.toBeInstanceOf(GithubCodeRejectedError);
    await expect(completeGithubSignIn(deps, 'never-issued')).rejects.toBeInstanceOf(GithubCodeRejectedError);
  });

  it('a disabled user does not sign in', async () => {
    await database.db.user.update({ where: { githubId: 502n }, data: { disabledAt: new Date() } });
    await expect(signIn('dave')).rejects.toBeInstanceOf(UserDisabledError);
  });

  it("GitHub failing on one installation (the org membership): that one is skipped, the sign-in goes on", async () => {
    github.addInstallation({ id: 46, account: { login: 'flaky', id: 7005, type: 'Organization' }, repositories: ['flaky/x'], permissions: {} });
    github.addUser({ login: 'gus', id: 506, type: 'User' }, [46, 42]);
    github.setOrgMembership('flaky', 'gus', { role: 'admin' });
    github.setOutage(/^\/user\/memberships\/orgs\/flaky$/);
    try {
      expect(await signIn('gus')).toMatchObject({ login: 'gus', linkedOwners: [] });
    } finally {
      github.setOutage(false);
    }
    expect(await database.db.installation.findUnique({ where: { id: 46n } })).toBeNull();
    expect((await signIn('gus')).linkedOwners).toEqual(['flaky']); // next time it is linked
  });

  it('GitHub down: the sign-in fails with GitHub\'s error, nothing is written', async () => {
    const users = await database.db.user.count();
    github.addUser({ login: 'zed', id: 599, type: 'User' }, []);
    const code = github.issueOAuthCode('zed');
    github.setOutage(true);
    try {
      await expect(completeGithubSignIn(deps, code)).rejects.toMatchObject({ name: 'GithubRequestError', status: 503 });
    } finally {
      github.setOutage(false);
    }
    expect(await database.db.user.count()).toBe(users);
  });
});
