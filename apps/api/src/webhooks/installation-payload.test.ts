import { describe, expect, it } from 'vitest';
import { readInstallationEvent } from './installation-payload.js';
import { PayloadShapeError } from './payload-shape.js';

const account = { login: 'octo-org', id: 7, type: 'Organization' };
const installation = { id: 11, account, repository_selection: 'selected', permissions: { contents: 'read', odd: 1 }, suspended_at: null };
const info = { id: 11, account, repositorySelection: 'selected', permissions: { contents: 'read' }, suspended: false };
const repos = [{ id: 5, full_name: 'octo-org/app', private: true }];

describe('readInstallationEvent', () => {
  it('created, with its repositories; suspend and unsuspend; deleted', () => {
    expect(readInstallationEvent('installation', { action: 'created', installation, repositories: repos })).toEqual({
      kind: 'saved',
      action: 'created',
      installation: info,
      repositories: [{ id: 5, fullName: 'octo-org/app', private: true }],
    });
    expect(readInstallationEvent('installation', { action: 'suspend', installation })).toMatchObject({ kind: 'saved', installation: { suspended: true }, repositories: null });
    expect(readInstallationEvent('installation', { action: 'unsuspend', installation: { ...installation, suspended_at: '2026-01-01T00:00:00Z' } })).toMatchObject({
      installation: { suspended: false },
    });
    expect(readInstallationEvent('installation', { action: 'deleted', installation })).toEqual({ kind: 'deleted', installationId: 11 });
  });

  it('installation_repositories: the repositories added and removed', () => {
    expect(readInstallationEvent('installation_repositories', { action: 'added', installation, repositories_added: repos, repositories_removed: [] })).toEqual({
      kind: 'repositories',
      action: 'added',
      installation: info,
      added: [{ id: 5, fullName: 'octo-org/app', private: true }],
      removed: [],
    });
  });

  it('a payload without an installation changes nothing', () => {
    expect(readInstallationEvent('installation', { action: 'created' })).toEqual({ kind: 'none', reason: 'no installation in payload' });
  });

  it('ids that are not exact positive integers, and strings longer than their columns, are malformed', () => {
    const bad: Record<string, unknown>[] = [
      { installation: { ...installation, id: 1.5 } },
      { installation: { ...installation, id: 1e300 } },
      { installation: { ...installation, id: '11' } },
      { installation: { ...installation, account: { ...account, id: -1 } } },
      { installation: { ...installation, account: { ...account, login: 'x'.repeat(101) } } },
      { installation: { ...installation, account: { ...account, type: 'x'.repeat(21) } } },
      { installation: { ...installation, repository_selection: 'x'.repeat(21) } },
      { installation: { ...installation, account: null } },
      { action: 'created', installation, repositories: [{ id: 5, full_name: 'o/'.padEnd(201, 'x') }] },
      { action: 'created', installation, repositories: [{ id: 5.5, full_name: 'o/r' }] },
      { action: 'created', installation, repositories: 'o/r' },
    ];
    for (const payload of bad) expect(() => readInstallationEvent('installation', { action: 'created', ...payload }), JSON.stringify(payload).slice(0, 120)).toThrow(PayloadShapeError);
  });
});
