/** Times as people read them: "3 min ago", "1m 05s", with the exact time on hover. */
import { useEffect, useState } from 'preact/hooks';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatAge(at: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (seconds < 45) return 'just now';
  if (seconds < 90) return '1 min ago';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days < 30 ? `${days} d ago` : new Date(at).toLocaleDateString();
}

/** Now, again every `everyMs`: for ages and running durations that move on by themselves. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function Age({ at }: { at: string | null | undefined }) {
  const now = useNow(15_000);
  if (!at) return <span class="muted">—</span>;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {formatAge(at, now)}
    </time>
  );
}

/** From start to finish, or to now while it runs. */
export function Duration({ from, to }: { from: string | null | undefined; to: string | null | undefined }) {
  const now = useNow(1000);
  if (!from) return <span class="muted">—</span>;
  return <span class="duration">{formatDuration((to ? Date.parse(to) : now) - Date.parse(from))}</span>;
}
