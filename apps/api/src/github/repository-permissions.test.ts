import { describe, expect, it } from 'vitest';
import { projectRoleOf } from './repository-permissions.js';

describe('projectRoleOf: GitHub repository roles as FactoryCI roles', () => {
  const cases: [permission: string, roleName: string, role: 'admin' | 'write' | 'read' | null][] = [
    ['admin', 'admin', 'admin'],
    ['write', 'maintain', 'admin'],
    ['write', 'write', 'write'],
    ['read', 'triage', 'read'],
    ['read', 'read', 'read'],
    ['none', 'none', null],
    // custom roles count as their base role (GitHub reports a maintain-based one as write)
    ['write', 'release-manager', 'write'],
    ['read', 'auditor', 'read'],
    ['admin', 'owner-ish', 'admin'],
    ['none', 'custom-nothing', null],
    ['something-new', 'something-new', null],
  ];
  it.each(cases)('permission %s, role_name %s → %s', (permission, roleName, role) => {
    expect(projectRoleOf({ permission, roleName })).toBe(role);
  });

  it('no answer (404: not a collaborator, or no such user) → null', () => {
    expect(projectRoleOf(null)).toBeNull();
  });
});
