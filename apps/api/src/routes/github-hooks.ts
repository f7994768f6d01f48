import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { hasCheckRuns } from '../check-runs/has-check-runs.js';
import { BadRequestError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors.js';
import { applyInstallationEvent } from '../github/installations.js';
import { cancelSupersededRuns } from '../runs/supersede.js';
import { UUID_PATTERN, uuidProperty } from '../schemas.js';
import { recordDelivery, type DeliveryInfo } from '../webhooks/accept-run.js';
import { admitRun } from '../webhooks/admission.js';
import { hookAnswerSchema, runAnswer, type HookAnswer } from '../webhooks/answers.js';
import { ByteBudget } from '../webhooks/byte-budget.js';
import { rerunCheckRun } from '../webhooks/check-run-rerun.js';
import { rerunCheckSuite } from '../webhooks/check-suite-rerun.js';
import { answerOutcome, countDeliveries } from '../webhooks/delivery-outcome.js';
import { MAX_DELIVERY_BYTES, parseDeliveryBody, RawDelivery } from '../webhooks/delivery-body.js';
import { interpretDelivery } from '../webhooks/events.js';
import { readBody } from '../webhooks/read-body.js';
import { skipRequested } from '../webhooks/skip-markers.js';
import { StreamingSignature } from '../webhooks/signature.js';
import { type FindSigners, type Signer, type SignerProject } from '../webhooks/signers.js';
import { createRunStarter } from '../webhooks/start-run.js';
import { APP_ONLY, busyError, UNVERIFIED_BUDGET_BYTES, unparsedVerdict } from '../webhooks/verification-order.js';
import { verifiedByApp, verifyDelivery } from '../webhooks/verify.js';
import type { RoutePlugin } from './route-plugin.js';

const hookHeaders = {
  type: 'object',
  properties: {
    'x-github-event': { type: 'string', minLength: 1, maxLength: 64 },
    'x-github-delivery': { type: 'string', minLength: 1, maxLength: 64 },
    'x-hub-signature-256': { type: 'string', maxLength: 100 },
  },
  required: ['x-github-event', 'x-github-delivery'],
} as const;
type HookHeaders = FromSchema<typeof hookHeaders>;

const hookResponses = {
  200: hookAnswerSchema,
  202: hookAnswerSchema,
  204: { type: 'null', description: 'an event (or action) that starts no workflow' },
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  503: { $ref: 'Error#' },
} as const;

type HookReply = HookAnswer | { code: 204; body: null };

/** A delivery whose signature is checked: its payload, the project it is for, and whether the App signed it. */
interface VerifiedDelivery {
  payload: Record<string, unknown>;
  project: SignerProject | null;
  byApp: boolean;
}

/**
 * POST /hooks/github and POST /hooks/github/<project id> — GitHub's deliveries, authenticated by X-Hub-Signature-256
 * alone. The intake, in steps (`webhooks/`): check what can be checked before parsing (verification-order.ts: the
 * App's secret, or the URL's project's, on the raw bytes) → find who else may have signed it (the repository's
 * project, by GitHub identity or by its location on this machine; small bodies only) → verify (nothing is written
 * before) → interpret the event → admit the run by the project's fork policy → start it (accept durably, check run,
 * queue); or, for GitHub's "Re-run" of one of our check runs, re-run its workflow (check-run-rerun.ts).
 */
export const githubHooksRoutes: RoutePlugin = async (app, deps) => {
  const unverified = new ByteBudget(UNVERIFIED_BUDGET_BYTES);
  const { findSigners, findProjectSigner } = deps.signers;
  const startRun = createRunStarter(deps);
  // the Redis writes of the runs accepted last leave before the queue is closed
  app.addHook('onClose', () => startRun.settled());
  // every delivery is counted by outcome once answered (factoryci_webhook_deliveries_total)
  const deliveries = countDeliveries(deps.metrics.deliveries);
  app.addHook('onResponse', deliveries.onResponse);

  // Parsers that keep the raw bytes, unparsed (this plugin's scope only): JSON, and the form encoding GitHub also
  // offers. The signers that can be known before the body (the URL's project, or the App) are found first, and their
  // HMACs computed as the bytes arrive.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], async (request: FastifyRequest, stream: Readable) => {
    const form = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
    const projectId = (request.params as { project?: string }).project ?? null;
    if (projectId !== null && !UUID.test(projectId)) throw new BadRequestError('params/project must be a project id (a UUID)');
    const urlSigner = projectId === null ? null : await findProjectSigner(projectId);
    const appSecret = deps.config.githubAppWebhookSecret ?? null;
    const tried: { secret: string; by: 'app' | 'project' }[] = urlSigner
      ? [{ secret: urlSigner.secret, by: 'project' }]
      : appSecret
        ? [{ secret: appSecret, by: 'app' }]
        : [];
    const signing = new StreamingSignature(tried);
    const raw = await readDelivery(request.headers['content-length'], stream, signing);
    const header = request.headers['x-hub-signature-256'];
    return new ReceivedDelivery(new RawDelivery(raw, form), signing.signer(typeof header === 'string' ? header : undefined)?.by ?? null, urlSigner);
  });

  const handle = async (request: FastifyRequest, headers: { event: string; delivery: string; signature: string | undefined }) => {
    if (!(request.body instanceof ReceivedDelivery)) throw new BadRequestError('expected a JSON body');
    const verified = await verify(findSigners, unverified, request.body, headers);
    const { payload, project } = verified;
    const delivery: DeliveryInfo = {
      id: headers.delivery,
      event: headers.event,
      action: typeof payload.action === 'string' ? payload.action.slice(0, 64) : null,
    };
    const logProjectId = project?.id ?? null;
    request.log.info({ delivery: delivery.id, event: delivery.event, action: delivery.action, projectId: logProjectId, byApp: verified.byApp }, 'webhook verified');
    return { delivery, verified };
  };

  /** What the verified delivery means, done: the answer's status and body. */
  const answer = async (request: FastifyRequest, delivery: DeliveryInfo, { payload, project, byApp }: VerifiedDelivery): Promise<HookReply> => {
    const projectId = project?.id ?? null;
    const meaning = interpretDelivery(delivery.event, payload);
    switch (meaning.kind) {
      case 'ping':
        await recordDelivery(deps.db, delivery, projectId, 200);
        return { code: 200, body: { delivery: delivery.id, message: 'pong' } };
      case 'installation': {
        if (!byApp) throw new UnauthorizedError(APP_ONLY);
        const done = await applyInstallationEvent(deps.db, meaning.change);
        deps.signers.forget();
        await recordDelivery(deps.db, delivery, null, 200);
        return { code: 200, body: { delivery: delivery.id, message: done } };
      }
      case 'ignore':
        await recordDelivery(deps.db, delivery, projectId, 204);
        return { code: 204, body: null };
      case 'run': {
        if (!project) throw new NotFoundError(`no project for repository ${repositoryName(payload)}`);
        const skip = skipRequested(delivery.event, payload);
        if (skip) {
          request.log.info({ delivery: delivery.id, projectId, marker: skip.marker, where: skip.where }, 'run skipped by a skip marker');
          deliveries.note(request, 'skipped');
          await recordDelivery(deps.db, delivery, projectId, 200, skip.marker);
          return { code: 200, body: { delivery: delivery.id, message: `skipped: ${skip.marker} in the ${skip.where}` } };
        }
        const admission = admitRun(meaning.run, project.forkPolicy);
        if (!admission.admitted) {
          request.log.info({ delivery: delivery.id, projectId, reason: admission.reason }, 'run not admitted');
          deliveries.note(request, 'not_admitted');
          await recordDelivery(deps.db, delivery, projectId, 204);
          return { code: 204, body: null };
        }
        const checkRun = hasCheckRuns(project, deps.github !== null);
        const started = await startRun({ projectId: project.id, delivery, run: meaning.run, initialStatus: admission.initialStatus, checkRun });
        if (project.cancelSuperseded && !started.redelivery && started.workflowId !== null) await supersede(request, started.workflowId);
        return runAnswer(delivery.id, started);
      }
      case 'rerun':
        return rerunCheckRun(deps, request.log, delivery, projectId, meaning.rerequest);
      case 'rerun-suite':
        return rerunCheckSuite(deps, request.log, delivery, projectId, meaning.rerequest);
    }
  };

  /**
   * The project cancels superseded runs: the older unended runs of the new run's branch (pull request) are cancelled.
   * The new run is committed: a failure here is logged and leaves the older runs to end on their own.
   */
  const supersede = async (request: FastifyRequest, workflowId: string) => {
    try {
      await cancelSupersededRuns(deps, request.log, workflowId);
    } catch (error) {
      request.log.error({ workflowId, error: (error as Error).message }, 'could not cancel the runs this one supersedes');
    }
  };

  /** Both URLs: verify (and only then parse), act on the event, answer. */
  const receive = async (request: FastifyRequest<{ Headers: HookHeaders }>, reply: FastifyReply) => {
    const headers = { event: request.headers['x-github-event'], delivery: request.headers['x-github-delivery'], signature: request.headers['x-hub-signature-256'] };
    const { delivery, verified } = await handle(request, headers);
    const { code, body } = await answer(request, delivery, verified);
    deliveries.note(request, answerOutcome(code, body));
    return reply.code(code).send(body);
  };

  app.post(
    '/hooks/github',
    {
      bodyLimit: MAX_DELIVERY_BYTES,
      schema: {
        summary: 'GitHub webhook deliveries (authenticated by X-Hub-Signature-256): the App\'s, and repository webhooks\'',
        tags: ['webhooks'],
        headers: hookHeaders,
        response: hookResponses,
      },
    },
    receive,
  );

  app.post(
    '/hooks/github/:project',
    {
      bodyLimit: MAX_DELIVERY_BYTES,
      schema: {
        summary: 'A repository webhook\'s deliveries for one project, signed with that project\'s secret (checked before the body is parsed)',
        tags: ['webhooks'],
        headers: hookHeaders,
        params: { type: 'object', properties: { project: uuidProperty({ description: 'the project id' }) }, required: ['project'] },
        response: hookResponses,
      },
    },
    receive,
  );
};

/**
 * Verifies a delivery, parsing its body only after its signature is checked where the signer can be known without
 * parsing (see verification-order.ts); otherwise parses a small body within the shared budget to find its signers.
 */
async function verify(findSigners: FindSigners, budget: ByteBudget, received: ReceivedDelivery, headers: { event: string; signature: string | undefined }): Promise<VerifiedDelivery> {
  const { body, signedBy, urlSigner } = received;
  const verdict = unparsedVerdict({ event: headers.event, bytes: body.raw.length, projectInUrl: urlSigner !== null, signedBy });
  switch (verdict.verdict) {
    case 'refused':
      throw verdict.error;
    case 'verified': {
      const payload = parseDeliveryBody(body);
      if (verdict.by === 'project') return { payload, project: urlSigner?.project ?? null, byApp: false };
      const signers = await findSigners(payload);
      return { payload, project: verifiedByApp(signers).project, byApp: true };
    }
    case 'find_signers': {
      if (!budget.take(body.raw.length)) throw busyError();
      try {
        const payload = parseDeliveryBody(body);
        // The App's secret, already tried, stays a candidate: a repository no project has is then a 401, as it is
        // for a delivery signed by neither.
        const signers = await findSigners(payload);
        return { payload, project: verifyDelivery(body.raw, headers.signature, signers).project, byApp: false };
      } finally {
        budget.release(body.raw.length);
      }
    }
  }
}

/** A delivery as the content-type parser hands it over: the bytes, and who of those tried while reading signed them. */
class ReceivedDelivery {
  constructor(
    readonly body: RawDelivery,
    readonly signedBy: 'app' | 'project' | null,
    /** The project the URL names (`/hooks/github/<project id>`), if it does. */
    readonly urlSigner: Signer | null,
  ) {}
}

const UUID = new RegExp(UUID_PATTERN);

/** A delivery's bytes: at most MAX_DELIVERY_BYTES (413 beyond), feeding the signatures as they arrive (read-body.ts). */
function readDelivery(contentLength: string | undefined, stream: Readable, signing: StreamingSignature<{ secret: string }>): Promise<Buffer> {
  return readBody(stream, {
    limit: MAX_DELIVERY_BYTES,
    tooLarge: () => new PayloadTooLargeError(`a delivery is at most ${MAX_DELIVERY_BYTES} bytes (GitHub's limit)`),
    contentLength,
    onChunk: (chunk) => signing.update(chunk),
  });
}

/** The repository a payload names, for a 404's message. */
function repositoryName(payload: Record<string, unknown>): string {
  const name = (payload.repository as { full_name?: unknown } | null | undefined)?.full_name;
  return typeof name === 'string' ? name : '(none)';
}
