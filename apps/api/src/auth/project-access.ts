/**
 * Who may do what on which project: the one lookup every management route goes through. A principal's role on a
 * project is `admin` for the admin token and FactoryCI admin users, else the highest of their project membership,
 * their membership of the project's owner and (a GitHub project, a user with a GitHub login) their role on the
 * repository as GitHub says. What the role allows is `can` (permissions.ts). A project the principal may not read is
 * answered exactly as a missing one (404), so ids do not tell what exists; one they may read but not change is a 403.
 */
import type { Owner, Prisma, Project, ProjectRole } from '@factoryci/db';
import type { Db } from '../db.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { can, highestRole, type ProjectAction } from './permissions.js';
import { isAdministrator, type Principal } from './principal.js';
import type { RepositoryPermissions } from './repository-permissions.js';

export type ProjectWithOwner = Project & { owner: Pick<Owner, 'id' | 'name'> };
type ProjectRef = Pick<Project, 'id' | 'ownerId' | 'githubFullName' | 'installationId'>;

const withOwner = { owner: { select: { id: true, name: true } } } as const;
const refSelect = { id: true, ownerId: true, githubFullName: true, installationId: true } as const;

export interface ProjectAccess {
  /** The principal's role on a project (null: none). */
  roleOn(principal: Principal, project: ProjectRef): Promise<ProjectRole | null>;
  /** The principal's role on the project with this id, when it reads it: 404 when it is missing or unreadable. */
  readableRole(principal: Principal, id: string): Promise<ProjectRole>;
  /** The project, when the principal may do `action` on it: 404 when it is missing or unreadable, 403 when readable only. */
  project(principal: Principal, id: string, action: ProjectAction): Promise<ProjectWithOwner>;
  /** The workflow's project id, when the principal may do `action` on it (404 / 403 as `project`). */
  workflow(principal: Principal, id: string, action: ProjectAction): Promise<{ projectId: string }>;
  /** As `workflow`, for an execution. */
  execution(principal: Principal, id: string, action: ProjectAction): Promise<void>;
  /**
   * The projects the principal may read (optionally of one owner, by name), by owner name and name; a page of them
   * when `limit` is given.
   */
  readableProjects(principal: Principal, options?: { ownerName?: string; limit?: number; offset?: number }): Promise<ProjectWithOwner[]>;
  /** Whether the principal may see an owner: administrators, its members and those who may read one of its projects. */
  canReadOwner(principal: Principal, ownerId: string): Promise<boolean>;
  /** The owners the principal may see ('all' for administrators). */
  readableOwnerIds(principal: Principal): Promise<'all' | Set<string>>;
}

export interface ProjectAccessDeps {
  db: Db;
  repositoryPermissions: RepositoryPermissions;
}

export function projectAccess({ db, repositoryPermissions }: ProjectAccessDeps): ProjectAccess {
  async function roleOn(principal: Principal, project: ProjectRef): Promise<ProjectRole | null> {
    if (isAdministrator(principal) || principal.kind !== 'user') return 'admin';
    const { user } = principal;
    const [member, ownerMember] = await Promise.all([
      db.projectMember.findUnique({ where: { projectId_userId: { projectId: project.id, userId: user.id } }, select: { role: true } }),
      db.ownerMember.findUnique({ where: { ownerId_userId: { ownerId: project.ownerId, userId: user.id } }, select: { role: true } }),
    ]);
    const local = highestRole([member?.role, ownerMember?.role]);
    if (local === 'admin' || !user.githubLogin || !project.githubFullName || project.installationId === null) return local;
    const github = await repositoryPermissions.roleOf({
      installationId: project.installationId,
      fullName: project.githubFullName,
      githubLogin: user.githubLogin,
    });
    return highestRole([local, github]);
  }

  /** 404 (as for a missing one) unless the role reads; 403 unless it allows `action`. */
  function check(role: ProjectRole | null, action: ProjectAction, missing: string): void {
    if (!can(role, 'read')) throw new NotFoundError(missing);
    if (!can(role, action)) throw new ForbiddenError(`your role on this project (${role}) does not allow ${action.replace('_', ' ')}`);
  }

  async function projectOfChild(principal: Principal, project: ProjectRef | undefined, action: ProjectAction, missing: string): Promise<string> {
    if (!project) throw new NotFoundError(missing);
    check(await roleOn(principal, project), action, missing);
    return project.id;
  }

  async function readableProjects(
    principal: Principal,
    { ownerName, limit, offset = 0 }: { ownerName?: string; limit?: number; offset?: number } = {},
  ): Promise<ProjectWithOwner[]> {
    const ofOwner: Prisma.ProjectWhereInput = ownerName ? { owner: { name: ownerName } } : {};
    const orderBy = [{ owner: { name: 'asc' } }, { name: 'asc' }] satisfies Prisma.ProjectOrderByWithRelationInput[];
    if (isAdministrator(principal) || principal.kind !== 'user') {
      return db.project.findMany({ where: ofOwner, include: withOwner, orderBy, take: limit, skip: offset });
    }
    const { user } = principal;
    const candidates = await db.project.findMany({
      where: {
        ...ofOwner,
        OR: [
          { members: { some: { userId: user.id } } },
          { owner: { members: { some: { userId: user.id } } } },
          ...(user.githubLogin ? [{ githubFullName: { not: null }, installationId: { not: null } }] : []),
        ],
      },
      include: withOwner,
      orderBy,
    });
    // The candidates are the user's memberships and (with a GitHub login) every project of an App installation, whose
    // role GitHub says (cached by RepositoryPermissions); the page is cut once the roles are known.
    const roles = await Promise.all(candidates.map((project) => roleOn(principal, project)));
    const readable = candidates.filter((_, i) => can(roles[i] ?? null, 'read'));
    return readable.slice(offset, limit === undefined ? undefined : offset + limit);
  }

  async function readableOwnerIds(principal: Principal): Promise<'all' | Set<string>> {
    if (isAdministrator(principal) || principal.kind !== 'user') return 'all';
    const [memberships, projects] = await Promise.all([
      db.ownerMember.findMany({ where: { userId: principal.user.id }, select: { ownerId: true } }),
      readableProjects(principal),
    ]);
    return new Set([...memberships.map((m) => m.ownerId), ...projects.map((p) => p.ownerId)]);
  }

  return {
    roleOn,
    async readableRole(principal, id) {
      const project = await db.project.findUnique({ where: { id }, select: refSelect });
      const role = project ? await roleOn(principal, project) : null;
      if (role === null || !can(role, 'read')) throw new NotFoundError(`no project ${id}`);
      return role;
    },
    async project(principal, id, action) {
      const project = await db.project.findUnique({ where: { id }, include: withOwner });
      const missing = `no project ${id}`;
      if (!project) throw new NotFoundError(missing);
      check(await roleOn(principal, project), action, missing);
      return project;
    },
    async workflow(principal, id, action) {
      const found = await db.workflow.findUnique({ where: { id }, select: { project: { select: refSelect } } });
      return { projectId: await projectOfChild(principal, found?.project, action, `no workflow ${id}`) };
    },
    async execution(principal, id, action) {
      const found = await db.execution.findUnique({
        where: { id },
        select: { stage: { select: { pipeline: { select: { workflow: { select: { project: { select: refSelect } } } } } } } },
      });
      await projectOfChild(principal, found?.stage.pipeline.workflow.project, action, `no execution ${id}`);
    },
    readableProjects,
    async canReadOwner(principal, ownerId) {
      const ids = await readableOwnerIds(principal);
      return ids === 'all' || ids.has(ownerId);
    },
    readableOwnerIds,
  };
}
