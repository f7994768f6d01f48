/**
 * Recovers App webhook deliveries GitHub failed to make. GitHub keeps a list of the App's deliveries
 * (`GET /app/hook/deliveries`, newest first, paged by `cursor`) and redelivers one on request
 * (`POST /app/hook/deliveries/{id}/attempts`: a new delivery id, the same `guid`, which is our X-GitHub-Delivery).
 * A delivery this API never accepted — every attempt of its guid failed (an error status or no answer) and
 * `webhook_deliveries` has no row for the guid — is asked for again, once.
 *
 * The decision ({@link chooseRedeliveries}) is pure; {@link redeliverLostDeliveries} is one pass of I/O around it and
 * {@link startRedelivery} runs a pass at start and every interval.
 */
import type { GithubApp } from '@factoryci/github-app';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { GithubRequestError } from './github-app.js';
import { startPeriodic } from '../periodic.js';

/** One delivery of the App's webhook as GitHub lists it (the fields the decision reads). */
export interface HookDelivery {
  /** This attempt's id (what a redelivery is asked for by). */
  id: number;
  /** The event's id, shared by an event's first delivery and its redeliveries: our X-GitHub-Delivery. */
  guid: string;
  deliveredAt: Date;
  redelivery: boolean;
  /** The receiver's HTTP status; 0 when it did not answer. */
  statusCode: number;
  event: string;
  action: string | null;
}

/** What the API asks of GitHub about the App's webhook deliveries (App JWT). */
export interface HookDeliveriesApi {
  /** One page, newest first; `nextCursor` null on the last page. */
  listPage(cursor: string | null, perPage: number): Promise<{ deliveries: HookDelivery[]; nextCursor: string | null }>;
  /** Asks GitHub to deliver `deliveryId` again. */
  redeliver(deliveryId: number): Promise<void>;
}

/** GitHub's answer did not have the documented shape. */
export class UnexpectedGithubAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedGithubAnswerError';
  }
}

/** Whether an attempt failed: the receiver did not answer, or answered other than 2xx/3xx (as GitHub classifies it). */
export function deliveryFailed(delivery: Pick<HookDelivery, 'statusCode'>): boolean {
  return delivery.statusCode < 200 || delivery.statusCode >= 400;
}

export interface RedeliveryInput {
  /** The deliveries GitHub listed (any order, any guids). */
  deliveries: readonly HookDelivery[];
  /** The guids `webhook_deliveries` has rows for (of those listed). */
  recorded: ReadonlySet<string>;
  /** Guids this process already asked GitHub to redeliver (the redelivery may not be listed yet). */
  asked: { has(guid: string): boolean };
  /** Only deliveries made at or after this are considered. */
  since: Date;
}

/**
 * Which deliveries to redeliver: per guid (deliveries made since `since`), one attempt — the latest — when every
 * attempt failed, none is a redelivery (GitHub's or ours: never twice), the guid was not asked for already and we have
 * no row for it. Oldest first, so events arrive in the order they happened.
 */
export function chooseRedeliveries(input: RedeliveryInput): HookDelivery[] {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const delivery of input.deliveries) {
    if (delivery.deliveredAt.getTime() < input.since.getTime()) continue;
    const attempts = byGuid.get(delivery.guid) ?? [];
    attempts.push(delivery);
    byGuid.set(delivery.guid, attempts);
  }
  const chosen: HookDelivery[] = [];
  for (const [guid, attempts] of byGuid) {
    if (input.recorded.has(guid) || input.asked.has(guid)) continue;
    if (attempts.some((a) => a.redelivery || !deliveryFailed(a))) continue;
    const latest = attempts.reduce((a, b) => (b.deliveredAt.getTime() > a.deliveredAt.getTime() || (b.deliveredAt.getTime() === a.deliveredAt.getTime() && b.id > a.id) ? b : a));
    chosen.push(latest);
  }
  return chosen.sort((a, b) => a.deliveredAt.getTime() - b.deliveredAt.getTime() || a.id - b.id);
}

export interface RedeliveryOptions {
  /** How far back to look. GitHub redelivers deliveries of the past 3 days only. */
  windowMs: number;
  /** Page size (GitHub: at most 100). */
  perPage?: number;
  /** At most this many pages a pass. */
  maxPages?: number;
}

export interface RedeliveryDeps {
  github: HookDeliveriesApi;
  db: Db;
  logger: Logger;
  now?: () => Date;
}

/** What a pass did. */
export interface RedeliveryReport {
  listed: number;
  pages: number;
  /** Guids GitHub was asked to redeliver. */
  redelivered: string[];
  /** Guids whose redelivery GitHub refused (4xx): not asked again by this process. */
  refused: string[];
}

/** Guids asked for by this process, with when; forgotten once older than the window (GitHub lists the redelivery). */
export class AskedGuids {
  private readonly asked = new Map<string, number>();
  has(guid: string): boolean {
    return this.asked.has(guid);
  }
  add(guid: string, at: Date): void {
    this.asked.set(guid, at.getTime());
  }
  forgetBefore(at: Date): void {
    for (const [guid, time] of this.asked) if (time < at.getTime()) this.asked.delete(guid);
  }
  get size(): number {
    return this.asked.size;
  }
}

const DEFAULT_PER_PAGE = 100;
const DEFAULT_MAX_PAGES = 10;
/** Guids looked up in webhook_deliveries per query. */
const LOOKUP_BATCH = 500;

/**
 * One pass: lists the App's deliveries back to `windowMs` ago (bounded by `maxPages`), looks their guids up in
 * `webhook_deliveries`, and asks GitHub to redeliver those {@link chooseRedeliveries} picks. A GitHub that cannot be
 * reached, or a database that cannot, fails the pass (the next one asks again); GitHub refusing one redelivery (4xx)
 * is logged and the pass goes on.
 */
export async function redeliverLostDeliveries(deps: RedeliveryDeps, asked: AskedGuids, options: RedeliveryOptions): Promise<RedeliveryReport> {
  const now = (deps.now ?? (() => new Date()))();
  const since = new Date(now.getTime() - options.windowMs);
  asked.forgetBefore(since);
  const deliveries: HookDelivery[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await deps.github.listPage(cursor, options.perPage ?? DEFAULT_PER_PAGE);
    pages++;
    deliveries.push(...page.deliveries);
    cursor = page.nextCursor;
    // Newest first: a page reaching before the window ends the listing.
    if (page.deliveries.some((d) => d.deliveredAt.getTime() < since.getTime())) break;
  } while (cursor !== null && pages < (options.maxPages ?? DEFAULT_MAX_PAGES));

  const guids = [...new Set(deliveries.filter((d) => deliveryFailed(d)).map((d) => d.guid))];
  const recorded = new Set<string>();
  for (let i = 0; i < guids.length; i += LOOKUP_BATCH) {
    const rows = await deps.db.webhookDelivery.findMany({ where: { id: { in: guids.slice(i, i + LOOKUP_BATCH) } }, select: { id: true } });
    for (const row of rows) recorded.add(row.id);
  }

  const report: RedeliveryReport = { listed: deliveries.length, pages, redelivered: [], refused: [] };
  for (const delivery of chooseRedeliveries({ deliveries, recorded, asked, since })) {
    const about = { guid: delivery.guid, deliveryId: delivery.id, event: delivery.event, action: delivery.action, statusCode: delivery.statusCode };
    try {
      await deps.github.redeliver(delivery.id);
    } catch (error) {
      const status = error instanceof GithubRequestError ? error.status : 0;
      if (status >= 400 && status < 500 && status !== 403 && status !== 429) {
        // e.g. 422: too old to redeliver. Asking again changes nothing.
        asked.add(delivery.guid, now);
        report.refused.push(delivery.guid);
        deps.logger.warn({ ...about, err: error }, 'redelivery: GitHub refused to redeliver');
        continue;
      }
      throw error;
    }
    asked.add(delivery.guid, now);
    report.redelivered.push(delivery.guid);
    deps.logger.info(about, 'redelivery: asked GitHub to redeliver a delivery never accepted');
  }
  deps.logger[report.redelivered.length + report.refused.length > 0 ? 'info' : 'debug'](
    { listed: report.listed, pages: report.pages, redelivered: report.redelivered.length, refused: report.refused.length },
    'redelivery: pass done',
  );
  return report;
}

/** Runs a pass now and every `intervalMs` (`startPeriodic`: one pass at once, a failed one logged and tried again). */
export function startRedelivery(deps: RedeliveryDeps, options: RedeliveryOptions & { intervalMs: number }): { stop(): Promise<void> } {
  const asked = new AskedGuids();
  return startPeriodic('redelivery', () => redeliverLostDeliveries(deps, asked, options), options.intervalMs, deps.logger);
}

/** The App's webhook deliveries through the App's Octokit (`app.octokit`, JWT auth). */
export function appHookDeliveries(octokit: GithubApp['octokit']): HookDeliveriesApi {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof UnexpectedGithubAnswerError) throw error;
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 0;
      throw new GithubRequestError(status, `GitHub: ${what} failed: ${(error as Error).message}`);
    }
  };
  return {
    listPage(cursor, perPage) {
      return call('listing the App\'s webhook deliveries', async () => {
        const response = await octokit.request('GET /app/hook/deliveries', { per_page: perPage, ...(cursor === null ? {} : { cursor }) });
        if (!Array.isArray(response.data)) throw new UnexpectedGithubAnswerError('GET /app/hook/deliveries: expected an array');
        return { deliveries: response.data.map(toHookDelivery), nextCursor: nextCursor(response.headers.link) };
      });
    },
    redeliver(deliveryId) {
      return call(`redelivering delivery ${deliveryId}`, async () => {
        await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: deliveryId });
      });
    },
  };
}

/** A listed delivery, checked: the decision relies on these fields. */
export function toHookDelivery(item: unknown): HookDelivery {
  const d = (item ?? {}) as Record<string, unknown>;
  const deliveredAt = typeof d.delivered_at === 'string' ? new Date(d.delivered_at) : new Date(Number.NaN);
  if (typeof d.id !== 'number' || typeof d.guid !== 'string' || d.guid === '' || Number.isNaN(deliveredAt.getTime()) || typeof d.status_code !== 'number') {
    throw new UnexpectedGithubAnswerError(`GET /app/hook/deliveries: a delivery without id, guid, delivered_at or status_code: ${JSON.stringify(item).slice(0, 200)}`);
  }
  return {
    id: d.id,
    guid: d.guid,
    deliveredAt,
    redelivery: d.redelivery === true,
    statusCode: d.status_code,
    event: typeof d.event === 'string' ? d.event : '',
    action: typeof d.action === 'string' ? d.action : null,
  };
}

/** The `cursor` of the Link header's rel="next" URL, or null. */
export function nextCursor(link: string | undefined): string | null {
  for (const part of (link ?? '').split(',')) {
    const match = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (!match?.[1]) continue;
    try {
      return new URL(match[1]).searchParams.get('cursor');
    } catch {
      return null;
    }
  }
  return null;
}

export interface RedeliverySettings {
  intervalMs: number;
  windowMs: number;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_REDELIVERY_INTERVAL_MINUTES = 10;
export const DEFAULT_REDELIVERY_WINDOW_HOURS = 24;
/** GitHub redelivers deliveries of the past 3 days only. */
export const MAX_REDELIVERY_WINDOW_HOURS = 72;

/**
 * FACTORY_REDELIVERY_INTERVAL_MINUTES (default 10; 0 = off) and FACTORY_REDELIVERY_WINDOW_HOURS (default 24, at most
 * 72). Null when off. Problems are pushed onto `problems`, one line each.
 */
export function redeliverySettingsFromEnv(env: Env, problems: string[]): RedeliverySettings | null {
  const interval = numberVar(env, 'FACTORY_REDELIVERY_INTERVAL_MINUTES', DEFAULT_REDELIVERY_INTERVAL_MINUTES, problems, (n) => n >= 0, 'a number of minutes (0 = off)');
  const window = numberVar(env, 'FACTORY_REDELIVERY_WINDOW_HOURS', DEFAULT_REDELIVERY_WINDOW_HOURS, problems, (n) => n > 0 && n <= MAX_REDELIVERY_WINDOW_HOURS, `a number of hours, more than 0 and at most ${MAX_REDELIVERY_WINDOW_HOURS}`);
  if (interval === null || window === null || interval === 0) return null;
  return { intervalMs: interval * 60_000, windowMs: window * 3_600_000 };
}

function numberVar(env: Env, name: string, fallback: number, problems: string[], ok: (n: number) => boolean, what: string): number | null {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || !ok(n)) {
    problems.push(`${name} must be ${what}`);
    return null;
  }
  return n;
}
