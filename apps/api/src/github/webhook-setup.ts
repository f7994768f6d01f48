import type { FromSchema } from 'json-schema-to-ts';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { webhookSetupSchema } from '../schemas.js';
import { GithubRequestError, type GithubAppClient } from './github-app.js';

export const HOOK_EVENTS = ['push', 'pull_request'];

/** How GitHub will reach a project: a hook FactoryCI created, or what to add by hand (the `webhook` of POST /project). */
export type WebhookSetup = FromSchema<typeof webhookSetupSchema>;

/**
 * The payload URL of a project's repository webhook: `/hooks/github/<project id>`, so that a delivery is verified with
 * that project's secret before its body is parsed (docs/api.md).
 */
export function webhookUrl(config: Pick<ApiConfig, 'publicUrl'>, projectId: string): string | null {
  return config.publicUrl ? `${config.publicUrl}/hooks/github/${projectId}` : null;
}

interface HookDeps {
  config: ApiConfig;
  db: Db;
  github: GithubAppClient | null;
  logger: Logger;
}

/**
 * Creates the repository webhook of a new project through the GitHub App when it can (App configured, repository in
 * an installation, PUBLIC_URL known, and the App has the "Webhooks" repository permission), and stores its id.
 * Never fails: when it cannot, the answer says how to add the webhook by hand.
 */
export async function setUpRepositoryHook(
  deps: HookDeps,
  project: { id: string; githubFullName: string | null; installationId: bigint | null },
  secret: string,
): Promise<WebhookSetup> {
  const url = webhookUrl(deps.config, project.id);
  const manual = (why: string): WebhookSetup => ({
    status: 'manual',
    url,
    content_type: 'json',
    events: HOOK_EVENTS,
    hook_id: null,
    message: `${why}. Add a webhook to the repository by hand: payload URL ${url ?? `<this server>/hooks/github/${project.id}`}, content type application/json, the webhook_secret of this answer, events "push" and "pull_request".`,
  });
  if (!project.githubFullName) return manual('the URL is not a repository on the configured GitHub');
  if (!url) return manual('PUBLIC_URL is not set, so FactoryCI cannot tell GitHub where to send events');
  if (!deps.github) return manual('the GitHub App is not configured');
  if (project.installationId === null) return manual(`the FactoryCI GitHub App is not installed on ${project.githubFullName}`);
  try {
    const hookId = await deps.github.createRepositoryHook(Number(project.installationId), project.githubFullName, { url, secret });
    await deps.db.project.update({ where: { id: project.id }, data: { githubHookId: BigInt(hookId) } });
    return { status: 'created', url, content_type: 'json', events: HOOK_EVENTS, hook_id: hookId, message: `webhook created on ${project.githubFullName}` };
  } catch (error) {
    const status = error instanceof GithubRequestError ? error.status : 0;
    deps.logger.warn({ status, repository: project.githubFullName, err: error }, 'could not create the repository webhook');
    if (status === 403 || status === 404) {
      return manual(`GitHub refused to create the webhook (${status}): the App needs the "Webhooks" repository permission (read and write)`);
    }
    if (status === 422) return manual('GitHub did not accept the webhook (422: a webhook with this URL may already exist)');
    return manual(`creating the webhook on GitHub failed (${status === 0 ? 'not reachable' : status})`);
  }
}

/** Removes the webhook FactoryCI created for a project (best effort: a failure is only logged). */
export async function removeRepositoryHook(
  deps: HookDeps,
  project: { githubFullName: string | null; installationId: bigint | null; githubHookId: bigint | null },
): Promise<void> {
  if (!deps.github || !project.githubFullName || project.installationId === null || project.githubHookId === null) return;
  try {
    await deps.github.deleteRepositoryHook(Number(project.installationId), project.githubFullName, Number(project.githubHookId));
  } catch (error) {
    deps.logger.warn({ err: error, repository: project.githubFullName }, 'could not delete the repository webhook');
  }
}

/**
 * After the secret of a project changed: sets it on the webhook FactoryCI created. Returns null when FactoryCI did not
 * create the project's webhook (then whoever added it changes it), else what happened.
 */
export async function updateRepositoryHookSecret(
  deps: HookDeps,
  project: { githubFullName: string | null; installationId: bigint | null; githubHookId: bigint | null },
  secret: string,
): Promise<{ status: 'updated' | 'manual'; message: string } | null> {
  if (!project.githubFullName || project.installationId === null || project.githubHookId === null) return null;
  if (!deps.github) return { status: 'manual', message: 'the GitHub App is not configured: change the secret of the repository webhook by hand' };
  try {
    await deps.github.updateRepositoryHookSecret(Number(project.installationId), project.githubFullName, Number(project.githubHookId), secret);
    return { status: 'updated', message: `the secret of the webhook on ${project.githubFullName} was changed` };
  } catch (error) {
    deps.logger.warn({ err: error, repository: project.githubFullName }, 'could not update the repository webhook secret');
    const status = error instanceof GithubRequestError ? error.status : 0;
    return { status: 'manual', message: `GitHub refused to change the webhook secret (${status || 'not reachable'}): change it on GitHub by hand` };
  }
}
