/**
 * How GitHub reaches a project, as GET /project/webhook tells it (pure): the repository webhook FactoryCI created, or
 * what to add by hand and why FactoryCI did not add it.
 */
import { HOOK_EVENTS, webhookUrl } from './webhook-setup.js';

export interface WebhookStatusInput {
  /** PUBLIC_URL, null when not set. */
  publicUrl: string | null;
  /** Whether the GitHub App is configured. */
  githubApp: boolean;
  project: { id: string; githubFullName: string | null; installationId: bigint | null; githubHookId: bigint | null };
}

export interface WebhookStatus {
  status: 'created' | 'manual';
  url: string | null;
  content_type: 'json';
  events: string[];
  hook_id: number | null;
  message: string;
}

/** Why FactoryCI did not create the project's webhook (the first reason that holds), null when it did. */
export function manualReason({ publicUrl, githubApp, project }: WebhookStatusInput): string | null {
  if (project.githubHookId !== null) return null;
  if (!project.githubFullName) return 'the project\'s URL is not a repository on the configured GitHub, so FactoryCI cannot add a webhook to it';
  if (!publicUrl) return 'PUBLIC_URL is not set, so FactoryCI cannot tell GitHub where to send events';
  if (!githubApp) return 'the GitHub App is not configured';
  if (project.installationId === null) return `the FactoryCI GitHub App is not installed on ${project.githubFullName}`;
  return `FactoryCI has no webhook on ${project.githubFullName} (creating it failed, or the URL changed since)`;
}

export function webhookStatus(input: WebhookStatusInput): WebhookStatus {
  const { publicUrl, project } = input;
  const url = webhookUrl({ publicUrl }, project.id);
  const base = { url, content_type: 'json' as const, events: [...HOOK_EVENTS] };
  const reason = manualReason(input);
  if (reason === null) {
    return { ...base, status: 'created', hook_id: Number(project.githubHookId), message: `FactoryCI created the webhook on ${project.githubFullName ?? 'the repository'}` };
  }
  return { ...base, status: 'manual', hook_id: null, message: `${reason}: add the webhook by hand` };
}
