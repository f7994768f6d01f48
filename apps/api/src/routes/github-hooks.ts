import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app.js';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../errors.js';
import { applyInstallationEvent } from '../github/installations.js';
import { acceptRun, recordDelivery, type DeliveryInfo } from '../webhooks/accept-run.js';
import { interpretEvent, PayloadShapeError, repositoryOf } from '../webhooks/events.js';
import { localRepositoryPath, localRepositoryPathsOf, localRepositorySpellings } from '../webhooks/local-repository.js';
import { findSigningSecret } from '../webhooks/signature.js';

/** GitHub caps webhook payloads at 25 MB. */
const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

interface Parsed {
  raw: Buffer;
  payload: Record<string, unknown>;
}

const hookHeaders = {
  type: 'object',
  properties: {
    'x-github-event': { type: 'string', minLength: 1, maxLength: 64 },
    'x-github-delivery': { type: 'string', minLength: 1, maxLength: 64 },
    'x-hub-signature-256': { type: 'string' },
  },
  required: ['x-github-event', 'x-github-delivery'],
} as const;

const hookResponse = {
  type: 'object',
  properties: {
    delivery: { type: 'string' },
    workflow_id: { type: ['string', 'null'] },
    number: { type: ['integer', 'null'] },
    status: { type: ['string', 'null'], description: 'queued, or awaiting_approval (untrusted pull request, project requires approval)' },
    queued: { type: 'boolean', description: 'false when Redis was unavailable: the relay queues it later' },
    redelivery: { type: 'boolean' },
    message: { type: 'string' },
  },
  required: ['delivery', 'message'],
} as const;

/**
 * POST /hooks/github — GitHub's deliveries, authenticated by X-Hub-Signature-256 alone.
 *
 * The raw body is kept for the HMAC. To know whose secret signs it, the payload is parsed and the project looked up
 * by `repository.full_name` / `repository.id`; when none has that GitHub identity, a project whose URL is a path or
 * `file://` URL on this machine is looked up by the payload's `repository.clone_url` / `url` (and only its own secret
 * may sign then). Nothing is written before the signature is verified.
 */
export async function githubHooksRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Parsers that keep the raw bytes (this plugin's scope only): JSON, and the form encoding GitHub also offers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: MAX_PAYLOAD_BYTES }, (request, raw, done) => {
    try {
      done(null, parseDelivery(request, raw as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post<{ Body: Parsed; Headers: { 'x-github-event': string; 'x-github-delivery': string; 'x-hub-signature-256'?: string } }>(
    '/hooks/github',
    {
      bodyLimit: MAX_PAYLOAD_BYTES,
      schema: {
        summary: 'GitHub webhook deliveries (authenticated by X-Hub-Signature-256)',
        tags: ['webhooks'],
        headers: hookHeaders,
        response: {
          200: hookResponse,
          202: hookResponse,
          204: { type: 'null', description: 'an event (or action) that starts no workflow' },
          400: { $ref: 'Error#' },
          401: { $ref: 'Error#' },
          404: { $ref: 'Error#' },
          503: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      const { raw, payload } = request.body ?? {};
      if (!raw || !payload) throw new BadRequestError('expected a JSON body');
      const event = request.headers['x-github-event'];
      const delivery: DeliveryInfo = {
        id: request.headers['x-github-delivery'],
        event,
        action: typeof payload.action === 'string' ? payload.action.slice(0, 64) : null,
      };

      // 1. Whose secret may have signed this: the repository's project, and the App.
      const repository = repositoryOf(payload);
      const select = { id: true, url: true, webhookSecretEncrypted: true, forkPolicy: true } as const;
      let projects = repository
        ? await deps.db.project.findMany({
            where: {
              OR: [
                { githubFullName: repository.fullName },
                ...(repository.id === null ? [] : [{ githubRepoId: BigInt(repository.id) }]),
              ],
            },
            select,
          })
        : [];
      // A repository on the runner's machine (no GitHub identity): by its location, signed by that project alone.
      const localPaths = projects.length === 0 ? localRepositoryPathsOf(payload) : [];
      if (localPaths.length > 0) {
        const found = await deps.db.project.findMany({
          where: { githubFullName: null, url: { in: localPaths.flatMap(localRepositorySpellings) } },
          select,
        });
        projects = found.filter((p) => {
          const path = localRepositoryPath(p.url);
          return path !== null && localPaths.includes(path);
        });
      }
      const candidates: { secret: string; projectId: string | null }[] = projects.map((p) => ({
        secret: deps.secrets.decrypt(p.webhookSecretEncrypted),
        projectId: p.id,
      }));
      // GitHub never sends a local location: the App's secret does not sign for one.
      if (deps.config.githubAppWebhookSecret && localPaths.length === 0) candidates.push({ secret: deps.config.githubAppWebhookSecret, projectId: null });
      if (candidates.length === 0) {
        if (localPaths.length > 0) throw new NotFoundError(`no project for repository ${localPaths.join(', ')}`);
        if (repository) throw new NotFoundError(`no project for repository ${repository.fullName}`);
        throw new UnauthorizedError('cannot verify this delivery: it names no repository and GITHUB_APP_WEBHOOK_SECRET is not set');
      }

      // 2. Verify, in constant time, before anything is written.
      const signer = findSigningSecret(raw, request.headers['x-hub-signature-256'], candidates);
      if (!signer) throw new UnauthorizedError('missing or wrong X-Hub-Signature-256');
      const projectId = signer.projectId ?? projects[0]?.id ?? null;
      request.log.info({ delivery: delivery.id, event, action: delivery.action, projectId }, 'webhook verified');

      // 3. Act on it.
      let meaning;
      try {
        meaning = interpretEvent(event, payload);
      } catch (error) {
        if (error instanceof PayloadShapeError) throw new BadRequestError(`malformed ${event} payload: ${error.message}`);
        throw error;
      }
      switch (meaning.kind) {
        case 'ping':
          await recordDelivery(deps.db, delivery, projectId, 200);
          return reply.code(200).send({ delivery: delivery.id, message: 'pong' });
        case 'installation': {
          const done = await applyInstallationEvent(deps.db, event, payload);
          await recordDelivery(deps.db, delivery, null, 200);
          return reply.code(200).send({ delivery: delivery.id, message: done });
        }
        case 'ignore': {
          await recordDelivery(deps.db, delivery, projectId, 204);
          return reply.code(204).send();
        }
        case 'run': {
          const project = projects.find((p) => p.id === projectId);
          if (!project) throw new NotFoundError(`no project for repository ${repository?.fullName ?? '(none)'}`);
          if (!meaning.run.trusted && project.forkPolicy === 'disabled') {
            await recordDelivery(deps.db, delivery, projectId, 204);
            return reply.code(204).send();
          }
          const initial = !meaning.run.trusted && project.forkPolicy === 'approval' ? 'awaiting_approval' : 'queued';
          const accepted = await acceptRun(deps.db, project.id, delivery, meaning.run, initial);
          if (accepted.redelivery) {
            return reply.code(200).send({
              delivery: delivery.id,
              workflow_id: accepted.workflowId,
              number: accepted.number,
              status: accepted.status,
              redelivery: true,
              message: 'delivery already accepted',
            });
          }
          // The check run (queued) is created by the check-runs worker, outside this request.
          if (accepted.workflowId && !(await deps.queue.syncCheckRun(accepted.workflowId, 'created'))) {
            request.log.warn({ workflowId: accepted.workflowId }, 'Redis unavailable: no check run for this workflow until its next change');
          }
          if (accepted.status === 'awaiting_approval') {
            return reply.code(202).send({
              delivery: delivery.id,
              workflow_id: accepted.workflowId,
              number: accepted.number,
              status: accepted.status,
              queued: false,
              redelivery: false,
              message: `workflow #${accepted.number} of an untrusted pull request awaits approval (POST /workflow/approve)`,
            });
          }
          // Committed: from here on a failure only delays the run (the relay queues it).
          const workflowId = accepted.workflowId as string;
          const queued = await deps.queue.enqueue(workflowId);
          if (queued) {
            await deps.db.workflow
              .update({ where: { id: workflowId }, data: { enqueuedAt: new Date() } })
              .catch((error: unknown) => request.log.warn({ err: error, workflowId }, 'could not mark workflow as queued'));
          } else {
            request.log.warn({ workflowId }, 'Redis unavailable: workflow accepted, the relay will queue it');
          }
          return reply.code(202).send({
            delivery: delivery.id,
            workflow_id: workflowId,
            number: accepted.number,
            status: accepted.status,
            queued,
            redelivery: false,
            message: `workflow #${accepted.number} accepted`,
          });
        }
      }
    },
  );
}

/** JSON, or form-encoded `payload=<json>`; the raw bytes are what GitHub signed. */
function parseDelivery(request: FastifyRequest, raw: Buffer): Parsed {
  const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
  const text = isForm ? (new URLSearchParams(raw.toString('utf8')).get('payload') ?? '') : raw.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`malformed JSON: ${(error as Error).message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequestError('the payload must be a JSON object');
  }
  return { raw, payload: payload as Record<string, unknown> };
}
