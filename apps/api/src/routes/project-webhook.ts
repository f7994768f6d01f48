import type { EventName } from '@factoryci/run-state';
import { principalOf } from '../auth/authenticate.js';
import type { Db } from '../db.js';
import { webhookStatus } from '../github/webhook-status.js';
import { errorResponses, idQuery, projectWebhookSchema } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';

/**
 * The project's newest run that a webhook delivery started (requested by nobody: not a re-run or a manual trigger).
 * Read backwards along the (project, number) unique index, so it stops at the first such run.
 */
async function lastDelivery(db: Db, projectId: string) {
  const run = await db.workflow.findFirst({
    where: { projectId, requestedBy: null },
    orderBy: { number: 'desc' },
    select: { id: true, number: true, event: true, createdAt: true },
  });
  return run ? { received_at: run.createdAt.toISOString(), // a VARCHAR column that only the intake (a RunEvent) and the manual trigger write
    event: run.event as EventName, workflow_id: run.id, number: run.number } : null;
}

/** GET /project/webhook: how GitHub reaches the project (created, or what to add by hand) and whether deliveries arrive. */
export const projectWebhookRoutes: RoutePlugin = async (app, deps) => {
  const { db, config, access, github } = deps;

  app.get(
    '/project/webhook',
    {
      schema: {
        tags: ['projects'],
        summary: "The project's repository webhook: created by FactoryCI or to add by hand, and the last delivery that started a run",
        querystring: idQuery,
        response: { 200: projectWebhookSchema, ...errorResponses },
      },
    },
    async (request) => {
      const project = await access.project(principalOf(request), request.query.id, 'read');
      const status = webhookStatus({ publicUrl: config.publicUrl, githubApp: github !== null, project });
      return { ...status, last_delivery: await lastDelivery(db, project.id) };
    },
  );
};
