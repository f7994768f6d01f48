import { BadRequestError, ForbiddenError, NotConfiguredError, UnauthorizedError, UpstreamError } from '../errors.js';
import { GithubRequestError, type GithubAppClient } from '../github/github-app.js';
import { saveInstallation } from '../github/installations.js';
import { errorResponses } from '../schemas.js';
import { ownerJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

const setupQuery = {
  type: 'object',
  properties: {
    installation_id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    setup_action: { type: 'string', enum: ['install', 'update', 'request'] },
    code: { type: 'string', minLength: 1, maxLength: 100 },
    state: { type: 'string' },
  },
  required: ['setup_action'],
} as const;

const setupResponse = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    installation: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        account: { type: 'string' },
        repository_selection: { type: 'string' },
        repositories: { type: 'array', items: { type: 'string' } },
      },
    },
    owner: { $ref: 'Owner#' },
  },
  required: ['message'],
} as const;

const NOT_CONFIGURED =
  'the GitHub App is not configured: set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_SLUG';

/**
 * The GitHub App's browser flow (no admin token: GitHub sends the user here).
 * GET /github/install → the App's installation page. GET /github/setup is the App's "Setup URL": GitHub calls it
 * after an installation with `installation_id`, `setup_action` and (with "Request user authorization (OAuth) during
 * installation" enabled) an OAuth `code`, which identifies the user; the installation is recorded only when that user
 * can access it.
 */
export const githubAppRoutes: RoutePlugin = async (app, deps) => {
  const tags = ['github-app'];
  const requireApp = (): GithubAppClient => {
    if (!deps.github) throw new NotConfiguredError(NOT_CONFIGURED);
    return deps.github;
  };

  app.get(
    '/github/install',
    { schema: { tags, summary: 'Redirect to the GitHub App installation page', response: { 302: { type: 'null' }, 501: { $ref: 'Error#' } } } },
    async (_request, reply) => reply.redirect(requireApp().installUrl(), 302),
  );

  app.get(
    '/github/setup',
    {
      schema: {
        tags,
        summary: 'The GitHub App setup URL: records the installation and its owner',
        querystring: setupQuery,
        response: { 200: setupResponse, 501: { $ref: 'Error#' }, 502: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request) => {
      const github = requireApp();
      const { installation_id: installationId, setup_action: action, code } = request.query;
      if (action === 'request') {
        return { message: 'installation requested: an owner of the organisation must approve it on GitHub' };
      }
      if (installationId === undefined) throw new BadRequestError('installation_id is required');
      if (!code) {
        throw new BadRequestError('no OAuth code: enable "Request user authorization (OAuth) during installation" in the GitHub App settings');
      }
      const user = await askGithub(() => github.identifyUser(code), 'GitHub did not accept the OAuth code');
      const accessible = await askGithub(() => github.userInstallations(user.token));
      const installation = accessible.find((i) => i.id === installationId);
      if (!installation) throw new ForbiddenError(`GitHub user ${user.user.login} cannot access installation ${installationId}`);
      const repositories = await askGithub(() => github.installationRepositories(installationId));
      const { ownerId } = await saveInstallation(deps.db, installation, repositories);
      deps.signers.forget();
      const owner = await deps.db.owner.findUniqueOrThrow({ where: { id: ownerId } });
      request.log.info({ installationId, account: installation.account.login, user: user.user.login }, 'GitHub App installation recorded');
      return {
        message: `installation ${installationId} on ${installation.account.login} recorded`,
        installation: {
          id: installation.id,
          account: installation.account.login,
          repository_selection: installation.repositorySelection,
          repositories: repositories.map((r) => r.fullName),
        },
        owner: ownerJson(owner),
      };
    },
  );
};

/** GitHub's 4xx on the user's code → 401; anything else from GitHub → 502. */
async function askGithub<T>(fn: () => Promise<T>, unauthorized?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof GithubRequestError)) throw error;
    if (unauthorized && error.status >= 400 && error.status < 500) throw new UnauthorizedError(unauthorized);
    throw new UpstreamError(error.message);
  }
}
