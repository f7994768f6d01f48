import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { authenticate } from './auth/authenticate.js';
import { createLoginAttempts, type LoginAttempts } from './auth/login-attempts.js';
import { projectAccess, type ProjectAccess } from './auth/project-access.js';
import { noRepositoryPermissions, type RepositoryPermissions } from './auth/repository-permissions.js';
import type { ApiConfig } from './config.js';
import type { Db } from './db.js';
import { isDatabaseUnavailable } from './db-errors.js';
import { ApiError } from './errors.js';
import { createRunChangeHub, type RunChangeHub } from './events/run-change-hub.js';
import { DEFAULT_EVENT_STREAM_SETTINGS, type EventStreamSettings } from './events/stream-settings.js';
import { rejectNonFiniteNumbers } from './finite-numbers.js';
import type { GithubAppClient } from './github/github-app.js';
import type { Logger } from './logger.js';
import { createApiMetrics, watchQueueAndRuns, type ApiMetrics } from './metrics.js';
import type { WorkflowQueue } from './queue/workflow-queue.js';
import { agentRoutes } from './routes/agent.js';
import { eventRoutes } from './routes/events.js';
import { executionRoutes } from './routes/executions.js';
import { githubAppRoutes } from './routes/github-app.js';
import { githubHooksRoutes } from './routes/github-hooks.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { ownerRoutes } from './routes/owners.js';
import { ownerMemberRoutes, projectMemberRoutes } from './routes/members.js';
import { projectScheduleRoutes } from './routes/project-schedules.js';
import { projectSecretRoutes } from './routes/project-secrets.js';
import { projectWebhookRoutes } from './routes/project-webhook.js';
import { projectRoutes } from './routes/projects.js';
import { sessionRoutes } from './routes/session.js';
import { signInRoutes } from './routes/sign-in.js';
import { githubSignInRoutes } from './routes/github-sign-in.js';
import { startSession } from './auth/sessions.js';
import { githubRepositoryPermissions } from './github/repository-permissions.js';
import { userTokenRoutes } from './routes/user-tokens.js';
import { userRoutes } from './routes/users.js';
import { workflowRoutes } from './routes/workflows.js';
import { serveWebUi, wantsPage } from './routes/web-ui.js';
import { sharedSchemas } from './schemas.js';
import { createSignerLookups, type SignerLookups } from './webhooks/signers.js';
import { createSecretBox, SecretDecryptionError, type SecretBox } from './secret-box.js';
import { DEFAULT_SERVER_LIMITS, serverOptions, type ServerLimits } from './server-limits.js';

export interface AppDeps {
  config: ApiConfig;
  db: Db;
  queue: WorkflowQueue;
  /** null when the GitHub App is not configured. */
  github: GithubAppClient | null;
  logger: Logger;
  secrets: SecretBox;
  /** The intake's lookups of webhook signers; whoever writes a project calls `forget()`. */
  signers: SignerLookups;
  /** The process's metrics (GET /metrics); its scrape-time gauges are registered by buildApp, so one app per registry. */
  metrics: ApiMetrics;
  /** The notices of RUN_CHANGE_CHANNEL for the events streams. */
  runChanges: RunChangeHub;
  events: EventStreamSettings;
  /** What GitHub says of a user's role on a repository (the GitHub App); noRepositoryPermissions without it. */
  repositoryPermissions: RepositoryPermissions;
  /** Failed sign-ins per login and address (POST /auth/login's 429). */
  loginAttempts: LoginAttempts;
  /** Who may do what on which project: every management route asks it. */
  access: ProjectAccess;
}

export type BuildAppDeps = Omit<AppDeps, 'secrets' | 'metrics' | 'signers' | 'runChanges' | 'events' | 'repositoryPermissions' | 'loginAttempts' | 'access'> & {
  /** noRepositoryPermissions when not given (no GitHub App: roles come from memberships only). */
  repositoryPermissions?: RepositoryPermissions;
  /** A window of the app's own (DEFAULT_LOGIN_ATTEMPTS) when not given. */
  loginAttempts?: LoginAttempts;
  /** The HTTP server's timeouts and body limit; DEFAULT_SERVER_LIMITS when not given (tests pass short ones). */
  serverLimits?: ServerLimits;
  /** The process's metrics, shared with its background tasks; a registry of the app's own when not given. */
  metrics?: ApiMetrics;
  /** A subscription of the app's own to RUN_CHANGE_CHANNEL (closed with the app) when not given. */
  runChanges?: RunChangeHub;
  /** DEFAULT_EVENT_STREAM_SETTINGS when not given (tests pass short timings). */
  events?: Partial<EventStreamSettings>;
};

/** The API as a Fastify instance; everything it talks to comes in `deps`, so tests pass real ones. */
export async function buildApp(input: BuildAppDeps): Promise<FastifyInstance> {
  const {
    serverLimits = DEFAULT_SERVER_LIMITS,
    metrics = createApiMetrics(),
    runChanges,
    events,
    repositoryPermissions = input.github ? githubRepositoryPermissions({ github: input.github, logger: input.logger }) : noRepositoryPermissions,
    loginAttempts = createLoginAttempts(),
    ...given
  } = input;
  const secrets = createSecretBox(input.config.encryptionKey);
  const signers = createSignerLookups({ db: given.db, secrets, appSecret: given.config.githubAppWebhookSecret ?? null });
  const ownRunChanges = runChanges
    ? undefined
    : createRunChangeHub(input.config.redisUrl, {
        onError: (error) => input.logger.warn({ err: error }, 'run-change subscription error'),
        countError: () => metrics.redisError('run-changes'),
      });
  const deps: AppDeps = {
    ...given,
    metrics,
    secrets,
    signers,
    runChanges: runChanges ?? ownRunChanges!,
    events: { ...DEFAULT_EVENT_STREAM_SETTINGS, ...events },
    repositoryPermissions,
    loginAttempts,
    access: projectAccess({ db: given.db, repositoryPermissions }),
  };
  watchQueueAndRuns(metrics, deps);
  const app = Fastify({
    ...serverOptions(serverLimits),
    loggerInstance: deps.logger,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  for (const schema of sharedSchemas) app.addSchema(schema);
  app.decorateRequest('principal', null);
  await app.register(swagger, {
    // shared schemas keep their $id as their name in components (the web UI's generated types read them)
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: { title: 'FactoryCI API', version: '0.1.0', description: 'Projects, owners, workflows and GitHub webhooks. See docs/api.md.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'FACTORY_ADMIN_TOKEN, or a personal access token (fci_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'factory_session', description: 'a signed-in session (POST /auth/login); state-changing requests also send X-CSRF-Token' },
          runToken: { type: 'http', scheme: 'bearer', description: 'a run token (docs/agent-protocol.md)' },
        },
      },
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.statusCode >= 502) request.log.warn({ err: error }, 'request failed');
      return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    }
    if (error.validation) {
      return reply.code(400).send({ error: 'bad_request', message: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      deps.metrics.databaseError('requests');
      request.log.error({ err: error }, 'database unavailable');
      return reply.code(503).send({ error: 'unavailable', message: 'the database is unavailable; retry later' });
    }
    if (error instanceof SecretDecryptionError) {
      request.log.error({ err: error }, 'stored secret does not decrypt');
      return reply.code(500).send({ error: 'internal', message: 'a stored secret does not decrypt: was FACTORY_ENCRYPTION_KEY changed?' });
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  const webUiPage = await serveWebUi(app, deps.config.webDir);
  app.setNotFoundHandler((request, reply) =>
    wantsPage(request)
      ? webUiPage(request, reply)
      : reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  if (ownRunChanges) app.addHook('onClose', () => ownRunChanges.close());

  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  // The webhook intake in a context of its own: none of the hooks below (cookies, the query checks) runs for a
  // delivery, the hot path of a burst (bench/webhook.bench.ts).
  await app.register(githubHooksRoutes, deps);
  await app.register(async (api) => {
    await api.register(cookie);
    api.addHook('preHandler', rejectNonFiniteNumbers);
    await registerApiRoutes(api, deps);
  });
  return app;
}

/** Every route but the webhook intake's, in a context with cookies and the query and params checks. */
async function registerApiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(healthRoutes, deps);
  await app.register(metricsRoutes, deps);
  await app.register(githubAppRoutes, deps);
  await app.register(agentRoutes, { ...deps, prefix: '/agent/v1' });
  await app.register(signInRoutes, deps);
  await app.register(githubSignInRoutes, { ...deps, startSession: (reply, userId, userAgent) => startSession(deps, reply, userId, userAgent) });
  // Everything else needs a principal (docs/api.md "Who is calling"); each route asks deps.access what it may do.
  await app.register(async (admin) => {
    admin.addHook('onRequest', authenticate(deps));
    admin.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ bearer: [] }, { session: [] }] };
    });
    await admin.register(sessionRoutes, deps);
    await admin.register(userRoutes, deps);
    await admin.register(userTokenRoutes, deps);
    await admin.register(ownerRoutes, deps);
    await admin.register(projectMemberRoutes, deps);
    await admin.register(ownerMemberRoutes, deps);
    await admin.register(projectRoutes, deps);
    await admin.register(projectSecretRoutes, deps);
    await admin.register(projectScheduleRoutes, deps);
    await admin.register(projectWebhookRoutes, deps);
    await admin.register(workflowRoutes, deps);
    await admin.register(executionRoutes, deps);
    await admin.register(eventRoutes, deps);
  });
}
