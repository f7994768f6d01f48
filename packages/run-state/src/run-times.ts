/** Times of runs for people: durations (850ms, 1.2s, 3m5s, 1h2m) and times relative to now (5s ago, 3h ago, 2026-11-02), as factory-agent, factoryctl and the web UI show them. Pure. */

export function formatDuration(ms: number): string {
  if (ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toString()}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}`;
  if (m > 0) return `${m}m${s > 0 ? `${s}s` : ''}`;
  return `${s}s`;
}

/** How long a node ran: finished − started, or now − started while it runs (marked with "…"); "" before it started. */
export function formatElapsed(startedAt: string | null | undefined, finishedAt: string | null | undefined, now: number): string {
  if (!startedAt) return '';
  const start = Date.parse(startedAt);
  if (finishedAt) return formatDuration(Date.parse(finishedAt) - start);
  return `${formatDuration(now - start)}…`;
}

const UNITS: [limitSeconds: number, unitSeconds: number, suffix: string][] = [
  [60, 1, 's'],
  [3600, 60, 'm'],
  [86_400, 3600, 'h'],
  [30 * 86_400, 86_400, 'd'],
];

/** "just now", "42s ago", "5m ago", "3h ago", "12d ago", then the date (UTC); a time ahead of now is "just now". */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.floor((now - at) / 1000);
  if (seconds < 5) return 'just now';
  for (const [limit, unit, suffix] of UNITS) if (seconds < limit) return `${Math.floor(seconds / unit)}${suffix} ago`;
  return new Date(at).toISOString().slice(0, 10);
}
