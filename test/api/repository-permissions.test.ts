import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGithubAppClient } from '../../apps/api/src/github/github-app.js';
import { githubRepositoryPermissions } from '../../apps/api/src/github/repository-permissions.js';
import type { GithubStandin } from '../standins/github/server.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';

const identity = makeAppIdentity();
let github: GithubStandin;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addRepository('acme/widgets', { private: true });
  github.addInstallation({ id: 51, account: { login: 'acme', id: 8001, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { metadata: 'read' } });
  const roles = ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const;
  roles.forEach((role, i) => {
    github.addUser({ login: `u-${role}`, id: 600 + i, type: 'User' }, []);
    github.setRepositoryPermission('acme/widgets', `u-${role}`, role);
  });
});
afterAll(() => github.close());

let clock = 1_000_000;
beforeEach(() => {
  clock = 1_000_000;
});
const client = () => createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url });
const permissionRequests = () => github.requests.filter((r) => r.path.endsWith('/permission')).length;
const ask = (permissions: ReturnType<typeof githubRepositoryPermissions>, githubLogin: string) =>
  permissions.roleOf({ installationId: 51n, fullName: 'acme/widgets', githubLogin });

describe('githubRepositoryPermissions against the stand-in', () => {
  it('each GitHub role, and a user who is not a collaborator', async () => {
    const permissions = githubRepositoryPermissions({ github: client(), logger, now: () => clock });
    const asked: Record<string, string | null> = {};
    for (const login of ['u-admin', 'u-maintain', 'u-write', 'u-triage', 'u-read', 'u-none', 'nobody']) asked[login] = await ask(permissions, login);
    expect(asked).toEqual({ 'u-admin': 'admin', 'u-maintain': 'admin', 'u-write': 'write', 'u-triage': 'read', 'u-read': 'read', 'u-none': null, nobody: null });
  });

  it('keeps answers (and "no role") for ttlMs: a second call makes no request; after it, GitHub is asked again', async () => {
    const permissions = githubRepositoryPermissions({ github: client(), logger, ttlMs: 60_000, now: () => clock });
    const before = permissionRequests();
    expect(await ask(permissions, 'u-write')).toBe('write');
    expect(await ask(permissions, 'nobody')).toBeNull();
    expect(permissionRequests()).toBe(before + 2);
    clock += 59_999;
    expect(await ask(permissions, 'u-write')).toBe('write');
    expect(await permissions.roleOf({ installationId: 51n, fullName: 'ACME/Widgets', githubLogin: 'U-Write' })).toBe('write'); // names are case-insensitive
    expect(await ask(permissions, 'nobody')).toBeNull();
    expect(permissionRequests()).toBe(before + 2);

    // A change on GitHub is seen once the answer expires.
    github.setRepositoryPermission('acme/widgets', 'u-write', 'read');
    clock += 1;
    expect(await ask(permissions, 'u-write')).toBe('read');
    expect(permissionRequests()).toBe(before + 3);
    github.setRepositoryPermission('acme/widgets', 'u-write', 'write');
  });

  it('concurrent identical lookups share one request', async () => {
    const permissions = githubRepositoryPermissions({ github: client(), logger, now: () => clock });
    const before = permissionRequests();
    const answers = await Promise.all([ask(permissions, 'u-triage'), ask(permissions, 'u-triage'), ask(permissions, 'u-triage')]);
    expect(answers).toEqual(['read', 'read', 'read']);
    expect(permissionRequests()).toBe(before + 1);
  });

  it('keeps at most maxEntries answers', async () => {
    const permissions = githubRepositoryPermissions({ github: client(), logger, maxEntries: 2, now: () => clock });
    const before = permissionRequests();
    for (const login of ['u-admin', 'u-write', 'u-read', 'u-admin']) await ask(permissions, login);
    expect(permissionRequests()).toBe(before + 4); // u-admin was dropped for u-read
  });

  it('GitHub down (an outage, or unreachable): null, and nothing kept', async () => {
    const permissions = githubRepositoryPermissions({ github: client(), logger, now: () => clock });
    const before = permissionRequests();
    const failedBefore = github.requests.filter((r) => r.status === 503).length;
    github.setOutage(true);
    try {
      expect(await ask(permissions, 'u-admin')).toBeNull();
      expect(await ask(permissions, 'u-admin')).toBeNull();
    } finally {
      github.setOutage(false);
    }
    expect(github.requests.filter((r) => r.status === 503).length).toBe(failedBefore + 2); // the failure was not kept
    expect(await ask(permissions, 'u-admin')).toBe('admin');
    expect(permissionRequests()).toBe(before + 1);

    const unreachable = createGithubAppClient({ app: identity.config, apiUrl: 'http://127.0.0.1:1', webUrl: 'http://127.0.0.1:1' });
    expect(await githubRepositoryPermissions({ github: unreachable, logger }).roleOf({ installationId: 51n, fullName: 'acme/widgets', githubLogin: 'u-admin' })).toBeNull();
  });
});
