import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { AppDeps } from '../app.js';
import type { ApiConfig } from '../config.js';
import { ApiError, BadRequestError, ForbiddenError, NotConfiguredError, UnauthorizedError, UpstreamError } from '../errors.js';
import { GithubRequestError } from '../github/github-app.js';
import {
  checkOAuthState,
  completeGithubSignIn,
  createOAuthState,
  deriveOAuthStateKey,
  GithubCodeRejectedError,
  MAX_RETURN_PATH_LENGTH,
  OAUTH_STATE_TTL_SECONDS,
  signInUrl,
  UserDisabledError,
  type GithubSignIn,
  type GithubSignInDeps,
} from '../github/github-sign-in.js';
import type { RoutePluginWith } from './route-plugin.js';
import { wantsPage } from './web-ui.js';

/** The cookie that ties GitHub's redirect back to the browser that started the sign-in. */
export const OAUTH_STATE_COOKIE = 'factory_oauth_state';
export const CALLBACK_PATH = '/auth/github/callback';
const COOKIE_PATH = '/auth/github';

/** Starts the signed-in session of `userId` on this reply (its cookie); given by whoever registers the routes. */
export type StartSession = (reply: FastifyReply, userId: string, userAgent: string | undefined) => Promise<void>;

export type GithubSignInRouteOptions = Pick<AppDeps, 'config' | 'db' | 'github' | 'signers'> & { startSession: StartSession };

const startQuery = {
  type: 'object',
  properties: {
    return_to: { type: 'string', maxLength: MAX_RETURN_PATH_LENGTH, description: 'a path of this site to go to once signed in (default /)' },
  },
  additionalProperties: false,
} as const;

/** What GitHub sends the browser back with: `code` and `state`, or `error` (e.g. access_denied) and `state`. */
const callbackQuery = {
  type: 'object',
  properties: {
    code: { type: 'string', minLength: 1, maxLength: 100 },
    state: { type: 'string', maxLength: 1024 },
    error: { type: 'string', maxLength: 100 },
    error_description: { type: 'string', maxLength: 1000 },
    error_uri: { type: 'string', maxLength: 1000 },
  },
} as const;
type CallbackQuery = FromSchema<typeof callbackQuery>;

const NOT_CONFIGURED =
  'signing in with GitHub needs the GitHub App: set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_SLUG';

/**
 * Sign in with GitHub (the App's user authorisation). GET /auth/github → GitHub's authorisation page, with a fresh
 * state (also in an HttpOnly cookie); GET /auth/github/callback → checks the state against the cookie, completes the
 * sign-in (completeGithubSignIn), starts the session, and goes to `/` or the `return_to` path kept in the state.
 */
export const githubSignInRoutes: RoutePluginWith<GithubSignInRouteOptions> = async (app, options) => {
  const { config, startSession } = options;
  const tags = ['sign-in'];
  const stateKey = deriveOAuthStateKey(config.encryptionKey);
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);

  const requireApp = (): { clientId: string; deps: Omit<GithubSignInDeps, 'logger'> } => {
    if (!options.github || !config.githubApp) throw new NotConfiguredError(NOT_CONFIGURED);
    return {
      clientId: config.githubApp.clientId,
      deps: { db: options.db, github: options.github, onInstallationRecorded: () => options.signers.forget() },
    };
  };

  app.get(
    '/auth/github',
    {
      schema: {
        tags,
        summary: "Sign in with GitHub: redirects to GitHub's authorisation page",
        querystring: startQuery,
        response: { 302: { type: 'null' }, 400: { $ref: 'Error#' }, 501: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const { clientId } = requireApp();
      const state = createOAuthState(stateKey, { returnTo: request.query.return_to });
      reply.setCookie(OAUTH_STATE_COOKIE, state, { ...stateCookie(config), maxAge: OAUTH_STATE_TTL_SECONDS });
      return reply.redirect(signInUrl({ webUrl: config.githubUrl, clientId, redirectUri: callbackUrl(config), state }), 302);
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      schema: {
        tags,
        summary: "GitHub's redirect after the user authorised the App: signs in, starts the session",
        querystring: callbackQuery,
        response: {
          302: { type: 'null' },
          400: { $ref: 'Error#' },
          401: { $ref: 'Error#' },
          403: { $ref: 'Error#' },
          501: { $ref: 'Error#' },
          502: { $ref: 'Error#' },
          503: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      try {
        return await completeCallback(request.query, request, reply);
      } catch (failure) {
        // a person's browser goes back to the sign-in page, which says what went wrong; API clients get the error
        if (!(failure instanceof ApiError) || !wantsPage(request)) throw failure;
        return reply.redirect(`/sign-in?error=${encodeURIComponent(failure.message)}`, 302);
      }
    },
  );

  /** The callback's steps: check the state, take the code to GitHub, start the session, go back. */
  async function completeCallback(query: CallbackQuery, request: FastifyRequest, reply: FastifyReply) {
    const { deps } = requireApp();
    const { code, state, error } = query;
    // A state is good for one callback, whatever comes of it.
    reply.clearCookie(OAUTH_STATE_COOKIE, stateCookie(config));
    const checked = checkOAuthState(stateKey, state, request.cookies[OAUTH_STATE_COOKIE], Date.now());
    if (!checked.ok) throw new UnauthorizedError(`the sign-in could not be verified (${checked.reason} state): start again at /auth/github`);
    if (error !== undefined) throw new UnauthorizedError(`GitHub did not authorise the sign-in (${error})`);
    if (code === undefined) throw new BadRequestError('GitHub sent no code');
    const signedIn = await signIn({ ...deps, logger: request.log }, code, callbackUrl(config));
    await startSession(reply, signedIn.userId, request.headers['user-agent']);
    return reply.redirect(checked.returnTo, 302);
  }
};

/** Where GitHub sends the browser back: PUBLIC_URL's callback; without PUBLIC_URL, the App's own (GitHub's default). */
function callbackUrl(config: ApiConfig): string | null {
  return config.publicUrl === null ? null : `${config.publicUrl}${CALLBACK_PATH}`;
}

function stateCookie(config: ApiConfig) {
  return stateCookieOptions(config.publicUrl);
}

/** The state cookie's attributes: sent back to the sign-in routes only, never to scripts, Secure behind https. */
export function stateCookieOptions(publicUrl: string | null) {
  return { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: publicUrl?.startsWith('https:') ?? false } as const;
}

/** completeGithubSignIn with its failures as API errors: a refused code 401, a disabled user 403, GitHub failing 502. */
async function signIn(deps: GithubSignInDeps, code: string, redirectUri: string | null): Promise<GithubSignIn> {
  try {
    return await completeGithubSignIn(deps, code, redirectUri ?? undefined);
  } catch (error) {
    if (error instanceof GithubCodeRejectedError) throw new UnauthorizedError(error.message);
    if (error instanceof UserDisabledError) throw new ForbiddenError(`${error.message}: ask a FactoryCI administrator`);
    if (error instanceof GithubRequestError) throw new UpstreamError(error.message);
    throw error;
  }
}
