/**
 * Go-style durations, as in `timeout = "1h30m"`: one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`,
 * decimals allowed (`1.5h`). The total must be positive.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** The duration in whole milliseconds, or undefined when `text` is not a valid positive duration. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit as string] as number);
  const ms = Math.round(total);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds the way `parseDuration` reads them back, e.g. 5_400_000 → "1h30m", 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
