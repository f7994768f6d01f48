/**
 * The settings page's decisions, pure: reading the forms' text into PUT bodies, the API's rules shown as hints before
 * it is asked, which field an API message is about, new webhook secrets and what became of the repository webhook.
 * The API checks everything again.
 */
import type { ProjectUpdated } from './types';

export const MIB = 1024 * 1024;
/** log_cap_bytes' range (docs/api.md, Settings): 64 KiB to 1 GiB. */
export const LOG_CAP_MIN_BYTES = 65_536;
export const LOG_CAP_MAX_BYTES = 1_073_741_824;

/** A run secret's name: an environment variable name in upper case, at most 100 characters (docs/api.md). */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,99}$/;
export const MIN_SECRET_CHARS = 4;
/** A pipeline's name, as `.factory` allows it (fork_secret_pipelines' items). */
export const PIPELINE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** log_cap_bytes as the form shows it: MiB, empty for null (the server's default). */
export function logCapText(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  const mib = bytes / MIB;
  return Number.isInteger(mib) ? String(mib) : String(Math.round(mib * 1000) / 1000);
}

/** The log cap field (MiB; empty: the server's default) → log_cap_bytes. */
export function parseLogCap(text: string): Parsed<number | null> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  const mib = Number(trimmed);
  if (!Number.isFinite(mib)) return { ok: false, problem: 'a number of MiB, e.g. 64, or empty for the server default' };
  const bytes = Math.round(mib * MIB);
  if (bytes < LOG_CAP_MIN_BYTES || bytes > LOG_CAP_MAX_BYTES) return { ok: false, problem: 'from 0.0625 MiB (64 KiB) to 1024 MiB (1 GiB)' };
  return { ok: true, value: bytes };
}

/** The pipelines list (commas, spaces or lines between names) → fork_secret_pipelines, each name once. */
export function parsePipelines(text: string): Parsed<string[]> {
  const names = [...new Set(text.split(/[\s,]+/).filter((name) => name !== ''))];
  const bad = names.find((name) => !PIPELINE_NAME.test(name));
  if (bad !== undefined) return { ok: false, problem: `"${bad}" is not a pipeline name (letters, digits, "_", "-" and ".")` };
  if (names.length > 100) return { ok: false, problem: 'at most 100 pipelines' };
  return { ok: true, value: names };
}

/** max_concurrent_runs: an integer from 1 to 1000. */
export function parseConcurrentRuns(text: string): Parsed<number> {
  const runs = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(runs) || runs < 1 || runs > 1000) return { ok: false, problem: 'a whole number from 1 to 1000' };
  return { ok: true, value: runs };
}

/** What is wrong with a run secret's name or value before the API is asked, or null. */
export function secretProblem(name: string, value: string): { field: 'name' | 'value'; problem: string } | null {
  if (!SECRET_NAME.test(name)) return { field: 'name', problem: 'upper-case letters, digits and "_", not starting with a digit (at most 100)' };
  if (value.length < MIN_SECRET_CHARS) return { field: 'value', problem: `at least ${MIN_SECRET_CHARS} characters` };
  return null;
}

/**
 * The field an API error message is about: Fastify's validation messages start with `body/<field>` or
 * `querystring/<field>` ("body/max_cpu must match pattern …"); null when it names none of `fields`.
 */
export function fieldOfMessage<F extends string>(message: string, fields: readonly F[]): F | null {
  const named = /(?:body|querystring)\/([a-z_]+)/.exec(message)?.[1];
  return fields.find((field) => field === named) ?? null;
}

/** A new webhook secret: `bytes` random bytes (crypto.getRandomValues, passed in) as hex. */
export function newWebhookSecret(randomValues: (array: Uint8Array) => Uint8Array, bytes = 32): string {
  return [...randomValues(new Uint8Array(bytes))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export interface RotationOutcome {
  tone: 'ok' | 'warn';
  text: string;
}

/** What became of the repository webhook after the secret changed (the `webhook` of PUT /project's answer), in words. */
export function rotationOutcome(answer: Pick<ProjectUpdated, 'webhook'>): RotationOutcome {
  if (!answer.webhook) return { tone: 'warn', text: 'Set this secret on the repository webhook by hand now: until then its deliveries are refused (401).' };
  if (answer.webhook.status === 'updated') return { tone: 'ok', text: `Done: ${answer.webhook.message}.` };
  return { tone: 'warn', text: `${answer.webhook.message}. Until then its deliveries are refused (401).` };
}

/** GET /project/webhook's reason as a sentence: "the App is not configured: add the webhook by hand" → "The App is not configured." */
export function whyManual(message: string): string {
  const reason = message.replace(/: add the webhook by hand$/, '');
  return `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
}
