/** What a role on a project allows (pure; docs/api.md "Roles" is this table). */
import type { ProjectRole } from '@factoryci/db';

/** Lowest first: each role allows what the ones before it do. */
export const PROJECT_ROLES = ['read', 'write', 'admin'] as const satisfies readonly ProjectRole[];

/** What can be done on a project (GET /project/permissions lists those a caller may). */
export const PROJECT_ACTIONS = ['read', 'cancel', 'rerun', 'approve', 'trigger', 'configure', 'delete', 'manage_secrets', 'manage_members'] as const;

/** The role each action on a project needs. */
export const ACTION_NEEDS = {
  /** see the project, its workflows, their logs and the events streams */
  read: 'read',
  cancel: 'write',
  rerun: 'write',
  approve: 'write',
  trigger: 'write',
  /** change the project's settings, URL or webhook secret (and so its webhook) */
  configure: 'admin',
  delete: 'admin',
  /** list, set and delete its run secrets */
  manage_secrets: 'admin',
  /** list, add, change and remove its members */
  manage_members: 'admin',
} as const satisfies Record<(typeof PROJECT_ACTIONS)[number], ProjectRole>;

export type ProjectAction = (typeof PROJECT_ACTIONS)[number];

const rank = (role: ProjectRole): number => PROJECT_ROLES.indexOf(role);

/** Whether `role` (null: none) allows `action`. */
export function can(role: ProjectRole | null, action: ProjectAction): boolean {
  return role !== null && rank(role) >= rank(ACTION_NEEDS[action]);
}

/** The highest of several roles, null when there is none. */
export function highestRole(roles: readonly (ProjectRole | null | undefined)[]): ProjectRole | null {
  let best: ProjectRole | null = null;
  for (const role of roles) if (role && (best === null || rank(role) > rank(best))) best = role;
  return best;
}
