import { principalOf } from '../auth/authenticate.js';
import { NotFoundError } from '../errors.js';
import { errorResponses, projectIdQuery, schedulesAnswerSchema } from '../schemas.js';
import { iso } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

/** GET /project/schedules (readers): the project's schedules, kept from its default branch's `.factory` (docs/schedules.md). */
export const projectScheduleRoutes: RoutePlugin = async (app, deps) => {
  const { db, access } = deps;
  app.get(
    '/project/schedules',
    {
      schema: {
        tags: ['projects'],
        summary: "A project's schedules as its default branch's configuration declares them, with when each is due and its last run",
        querystring: projectIdQuery,
        response: { 200: schedulesAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      await access.project(principalOf(request), id, 'read');
      const project = await db.project.findUnique({
        where: { id },
        select: {
          defaultBranch: true,
          scheduleSource: { select: { workflowId: true, workflowNumber: true, sha: true, updatedAt: true } },
          schedules: { orderBy: { name: 'asc' } },
        },
      });
      if (!project) throw new NotFoundError(`no project ${id}`);
      const lastIds = project.schedules.flatMap((schedule) => (schedule.lastWorkflowId ? [schedule.lastWorkflowId] : []));
      const lastRuns = new Map(
        (lastIds.length > 0 ? await db.workflow.findMany({ where: { id: { in: lastIds } }, select: { id: true, number: true, status: true } }) : []).map((w) => [w.id, w]),
      );
      const source = project.scheduleSource;
      return {
        default_branch: project.defaultBranch,
        source: source ? { workflow_id: source.workflowId, number: source.workflowNumber, sha: source.sha, updated_at: source.updatedAt.toISOString() } : null,
        schedules: project.schedules.map((schedule) => ({
          name: schedule.name,
          cron: schedule.cron,
          timezone: schedule.timezone,
          branch: schedule.branch,
          next_due_at: iso(schedule.nextDueAt),
          last_due_at: iso(schedule.lastDueAt),
          last_run: (schedule.lastWorkflowId && lastRuns.get(schedule.lastWorkflowId)) || null,
          last_error: schedule.lastError,
        })),
      };
    },
  );
};
