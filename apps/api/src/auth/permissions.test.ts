import { describe, expect, it } from 'vitest';
import { can, highestRole, type ProjectAction } from './permissions.js';

/** Every action × every role (null: none): what docs/api.md's roles table says. */
const TABLE: [ProjectAction, { none: boolean; read: boolean; write: boolean; admin: boolean }][] = [
  ['read', { none: false, read: true, write: true, admin: true }],
  ['cancel', { none: false, read: false, write: true, admin: true }],
  ['rerun', { none: false, read: false, write: true, admin: true }],
  ['approve', { none: false, read: false, write: true, admin: true }],
  ['trigger', { none: false, read: false, write: true, admin: true }],
  ['configure', { none: false, read: false, write: false, admin: true }],
  ['delete', { none: false, read: false, write: false, admin: true }],
  ['manage_secrets', { none: false, read: false, write: false, admin: true }],
  ['manage_members', { none: false, read: false, write: false, admin: true }],
];

describe('can(role, action)', () => {
  it.each(TABLE)('%s', (action, allowed) => {
    expect({
      none: can(null, action),
      read: can('read', action),
      write: can('write', action),
      admin: can('admin', action),
    }).toEqual(allowed);
  });
});

describe('highestRole', () => {
  it.each([
    [[], null],
    [[null, undefined], null],
    [['read'], 'read'],
    [['read', null, 'write'], 'write'],
    [['admin', 'read'], 'admin'],
    [[undefined, 'write', 'read'], 'write'],
  ] as const)('%j → %s', (roles, expected) => {
    expect(highestRole(roles)).toBe(expected);
  });
});
