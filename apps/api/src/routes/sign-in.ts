import { loginAttemptKey } from '../auth/login-attempts.js';
import { verifyPassword } from '../auth/secrets.js';
import { createSession } from '../auth/sessions.js';
import { TooManyRequestsError, UnauthorizedError } from '../errors.js';
import { MAX_PASSWORD_LENGTH, principalUserSchema } from '../schemas.js';
import { principalUserJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

const loginBody = {
  type: 'object',
  properties: { login: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH } },
  required: ['login', 'password'],
  additionalProperties: false,
} as const;

const signedInSchema = {
  type: 'object',
  properties: {
    user: principalUserSchema,
    csrf_token: { type: 'string', description: 'send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE of this session (also in the factory_csrf cookie)' },
  },
  required: ['user', 'csrf_token'],
} as const;

const WRONG = 'wrong login or password';

const signInMethodsSchema = {
  type: 'object',
  properties: {
    password: { type: 'boolean', description: 'local users: POST /auth/login' },
    github: { type: 'boolean', description: 'GitHub: GET /auth/github (the GitHub App is configured)' },
    token: { type: 'boolean', description: 'a personal access token or the admin token, as a bearer token' },
  },
  required: ['password', 'github', 'token'],
} as const;

/** GET /auth/methods and POST /auth/login (no credentials needed): a local user signs in with login and password and gets a session. */
export const signInRoutes: RoutePlugin = async (app, deps) => {
  app.get(
    '/auth/methods',
    { schema: { tags: ['auth'], summary: 'The ways to sign in to this installation (no credentials needed)', response: { 200: signInMethodsSchema } } },
    async () => ({ password: true, github: deps.github !== null && deps.config.githubApp !== null, token: true }),
  );
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign a local user in: sets the factory_session (HttpOnly) and factory_csrf cookies; 429 after repeated failures',
        body: loginBody,
        response: { 200: signedInSchema, 400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 429: { $ref: 'Error#' }, 503: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const { login, password } = request.body;
      const key = loginAttemptKey(login, request.ip);
      const waitMs = deps.loginAttempts.retryAfterMs(key);
      if (waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new TooManyRequestsError('too many failed sign-ins for this login from this address: try again later');
      }
      const user = await deps.db.user.findUnique({ where: { login } });
      // verified even without a user (against a hash of no password): an unknown login costs what a wrong password does
      const passwordMatches = await verifyPassword(password, user?.passwordHash ?? null);
      if (!user || !passwordMatches || user.disabledAt !== null) {
        deps.loginAttempts.failed(key);
        request.log.info({ login }, 'sign-in refused');
        throw new UnauthorizedError(WRONG);
      }
      deps.loginAttempts.succeeded(key);
      const csrf = await createSession(deps, reply, user.id, request.headers['user-agent']);
      request.log.info({ userId: user.id }, 'signed in');
      return { user: principalUserJson(user), csrf_token: csrf };
    },
  );
};
