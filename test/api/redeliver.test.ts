import { describe, expect, it } from 'vitest';
import {
  chooseRedeliveries,
  nextCursor,
  redeliverySettingsFromEnv,
  toHookDelivery,
  UnexpectedGithubAnswerError,
  type HookDelivery,
} from '../../apps/api/src/github/redeliver.js';

const since = new Date('2026-12-01T00:00:00Z');
let nextId = 1;
function attempt(guid: string, at: string, statusCode: number, redelivery = false): HookDelivery {
  return { id: nextId++, guid, deliveredAt: new Date(at), redelivery, statusCode, event: 'push', action: null };
}
const choose = (deliveries: HookDelivery[], recorded: string[] = [], asked: string[] = []) =>
  chooseRedeliveries({ deliveries, recorded: new Set(recorded), asked: new Set(asked), since }).map((d) => d.guid);

describe('which deliveries are redelivered (chooseRedeliveries)', () => {
  it('a failed delivery (no answer, 4xx, 5xx) we have no row for', () => {
    expect(choose([attempt('lost-0', '2026-12-01T01:00:00Z', 0), attempt('lost-503', '2026-12-01T02:00:00Z', 503), attempt('lost-404', '2026-12-01T03:00:00Z', 404)])).toEqual([
      'lost-0',
      'lost-503',
      'lost-404',
    ]);
  });

  it('not one GitHub delivered (2xx, 3xx), nor one we have a row for (we accepted it, the answer was lost)', () => {
    expect(choose([attempt('ok', '2026-12-01T01:00:00Z', 202), attempt('moved', '2026-12-01T01:00:00Z', 302), attempt('ours', '2026-12-01T01:00:00Z', 0)], ['ours'])).toEqual([]);
  });

  it('never twice: not when a redelivery of the guid is listed (failed or not), nor when this process asked already', () => {
    const deliveries = [
      attempt('tried', '2026-12-01T01:00:00Z', 503),
      attempt('tried', '2026-12-01T01:05:00Z', 503, true),
      attempt('asked', '2026-12-01T01:00:00Z', 0),
      attempt('fresh', '2026-12-01T01:00:00Z', 0),
    ];
    expect(choose(deliveries, [], ['asked'])).toEqual(['fresh']);
  });

  it('not when a later attempt of the guid succeeded (GitHub retried it itself, or another hook)', () => {
    expect(choose([attempt('g', '2026-12-01T01:00:00Z', 500), attempt('g', '2026-12-01T01:01:00Z', 200)])).toEqual([]);
  });

  it('only deliveries made since the window began; the latest attempt of a guid, oldest guid first', () => {
    const early = attempt('b', '2026-12-01T01:00:00Z', 0);
    const later = attempt('b', '2026-12-01T04:00:00Z', 502);
    const first = attempt('a', '2026-12-01T02:00:00Z', 0);
    const chosen = chooseRedeliveries({ deliveries: [later, first, early, attempt('old', '2026-11-30T23:59:59Z', 0)], recorded: new Set(), asked: new Set(), since });
    expect(chosen.map((d) => [d.guid, d.id])).toEqual([
      ['a', first.id],
      ['b', later.id],
    ]);
  });
});

describe("GitHub's listing, read", () => {
  it('the next cursor from the Link header', () => {
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=2&cursor=v1_42>; rel="next"')).toBe('v1_42');
    expect(nextCursor('<https://x/a?cursor=v1_1>; rel="prev", <https://x/a?cursor=v1_9>; rel="next"')).toBe('v1_9');
    expect(nextCursor(undefined)).toBeNull();
    expect(nextCursor('<https://x/a?cursor=v1_1>; rel="prev"')).toBeNull();
  });

  it('a delivery item, checked at the edge', () => {
    expect(
      toHookDelivery({ id: 7, guid: 'g', delivered_at: '2026-12-01T01:00:00Z', redelivery: false, status_code: 0, event: 'push', action: null, duration: 1, status: 'x' }),
    ).toEqual({ id: 7, guid: 'g', deliveredAt: new Date('2026-12-01T01:00:00Z'), redelivery: false, statusCode: 0, event: 'push', action: null });
    expect(() => toHookDelivery({ id: '7', guid: 'g', delivered_at: '2026-12-01T01:00:00Z', status_code: 0 })).toThrow(UnexpectedGithubAnswerError);
    expect(() => toHookDelivery({ id: 7, guid: 'g', delivered_at: 'yesterday', status_code: 0 })).toThrow(UnexpectedGithubAnswerError);
  });
});

describe('FACTORY_REDELIVERY_* settings', () => {
  const read = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { value: redeliverySettingsFromEnv(env, problems), problems };
  };
  it('default: every 10 minutes, looking back 24 hours; interval 0 turns it off', () => {
    expect(read({})).toEqual({ value: { intervalMs: 600_000, windowMs: 86_400_000 }, problems: [] });
    expect(read({ FACTORY_REDELIVERY_INTERVAL_MINUTES: '0.5', FACTORY_REDELIVERY_WINDOW_HOURS: '72' })).toEqual({ value: { intervalMs: 30_000, windowMs: 259_200_000 }, problems: [] });
    expect(read({ FACTORY_REDELIVERY_INTERVAL_MINUTES: '0' })).toEqual({ value: null, problems: [] });
  });
  it('bad values are problems, one line each', () => {
    expect(read({ FACTORY_REDELIVERY_INTERVAL_MINUTES: 'often', FACTORY_REDELIVERY_WINDOW_HOURS: '100' })).toEqual({
      value: null,
      problems: ['FACTORY_REDELIVERY_INTERVAL_MINUTES must be a number of minutes (0 = off)', 'FACTORY_REDELIVERY_WINDOW_HOURS must be a number of hours, more than 0 and at most 72'],
    });
  });
});
