import { approveWorkflow } from '@factoryci/db';
import { principalOf } from '../auth/authenticate.js';
import { actorOf } from '../auth/principal.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { announceAndStart } from '../queue/start-workflow.js';
import { cancelWorkflow, stopCancelledRun } from '../runs/cancel.js';
import { createRerun } from '../runs/rerun.js';
import { createManualRun } from '../runs/trigger.js';
import { errorResponses, idQuery, rerunQuery, triggerBody, workflowListQuery, workflowTreeSchema } from '../schemas.js';
import { workflowJson, workflowTreeJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

/** /workflows and /workflow: read with a project's read role; approve, re-run and cancel with its write role. */
export const workflowRoutes: RoutePlugin = async (app, deps) => {
  const { db, access } = deps;
  const tags = ['workflows'];

  app.get(
    '/workflows',
    {
      schema: {
        tags,
        summary: 'Workflows of a project, newest first; optionally of one branch, event and status',
        querystring: workflowListQuery,
        response: { 200: { type: 'array', items: { $ref: 'Workflow#' } }, ...errorResponses },
      },
    },
    async (request) => {
      const { project, branch, event, status, limit, offset } = request.query;
      await access.project(principalOf(request), project, 'read');
      const workflows = await db.workflow.findMany({
        where: { projectId: project, branch, event, status },
        orderBy: { number: 'desc' },
        take: limit,
        skip: offset,
      });
      return workflows.map(workflowJson);
    },
  );

  app.get(
    '/workflow',
    {
      schema: {
        tags,
        summary: 'A workflow with its pipelines, stages and executions',
        querystring: idQuery,
        response: { 200: workflowTreeSchema, ...errorResponses },
      },
    },
    async (request) => {
      await access.workflow(principalOf(request), request.query.id, 'read');
      const workflow = await db.workflow.findUnique({
        where: { id: request.query.id },
        include: {
          pipelines: {
            orderBy: { position: 'asc' },
            include: { stages: { orderBy: { position: 'asc' }, include: { executions: { orderBy: { position: 'asc' } } } } },
          },
        },
      });
      if (!workflow) throw new NotFoundError(`no workflow ${request.query.id}`);
      return workflowTreeJson(workflow);
    },
  );

  app.post(
    '/workflow/approve',
    {
      schema: {
        tags,
        summary: 'Approve an untrusted pull request\'s workflow (awaiting_approval → queued)',
        querystring: idQuery,
        response: { 200: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      const principal = principalOf(request);
      await access.workflow(principal, id, 'approve');
      if (!(await approveWorkflow(db, id, actorOf(principal)))) {
        const workflow = await db.workflow.findUnique({ where: { id } });
        if (!workflow) throw new NotFoundError(`no workflow ${id}`);
        throw new ConflictError(`workflow ${id} is ${workflow.status}, not awaiting approval`);
      }
      request.log.info({ workflowId: id }, 'workflow approved');
      // Committed: from here on a failure only delays the run (the reconciler queues it).
      await announceAndStart(deps, request.log, { announce: [id], start: [id] }, 'approved');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );

  app.post(
    '/workflow/rerun',
    {
      schema: {
        tags,
        summary:
          'Re-run a workflow that has ended: a new queued workflow of the same commit and event, linked by rerun_of (409 while it runs); with failed=true only the pipelines that did not succeed and those depending on them (409 when nothing failed)',
        querystring: rerunQuery,
        response: { 201: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id: original, failed } = request.query;
      await access.workflow(principal, original, 'rerun');
      const id = await createRerun(db, original, { failedOnly: failed, requestedBy: actorOf(principal) });
      request.log.info({ workflowId: id, rerunOf: original, failedOnly: failed }, 'workflow re-run');
      // Committed: from here on a failure only delays the run (the reconciler queues it).
      await announceAndStart(deps, request.log, { announce: [id], start: [id] }, 'created');
      return reply.code(201).send(workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } })));
    },
  );

  app.post(
    '/workflow/trigger',
    {
      schema: {
        tags,
        summary:
          "Start a workflow by hand (event manual): on a branch (default: the project's default branch) at a commit (default: the branch's head), with inputs given to every execution as INPUT_<NAME>",
        body: triggerBody,
        response: { 201: { $ref: 'Workflow#' }, ...errorResponses, 502: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { project_id: projectId, branch, sha, inputs } = request.body;
      await access.project(principal, projectId, 'trigger');
      const id = await createManualRun(deps, { projectId, branch, sha, inputs, requestedBy: actorOf(principal) });
      request.log.info({ workflowId: id, projectId, branch: branch ?? null, inputs: Object.keys(inputs ?? {}) }, 'workflow triggered');
      // Committed: from here on a failure only delays the run (the reconciler queues it).
      await announceAndStart(deps, request.log, { announce: [id], start: [id] }, 'created');
      return reply.code(201).send(workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } })));
    },
  );

  app.post(
    '/workflow/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a workflow that has not ended (409 when it has)',
        querystring: idQuery,
        response: { 200: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      const principal = principalOf(request);
      await access.workflow(principal, id, 'cancel');
      const outcome = await cancelWorkflow(db, id, actorOf(principal));
      const { jobRemoved } = await stopCancelledRun(deps.queue, request.log, id, outcome);
      request.log.info({ workflowId: id, previous: outcome.previous, jobRemoved }, 'workflow cancelled');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );
};
