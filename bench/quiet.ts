/**
 * Waiting for the machine to be at rest (the reaction bench's pushes "at rest": what a push to an idle system sees,
 * not one that lands while the previous run is still being cleaned up and the pool refilled). Read from the kernel's
 * CPU counters (`/proc/stat`), so it needs to know nothing of what runs; the decisions are pure (tested as data in
 * test/bench/quiet.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The machine's CPU time so far (all cores, in the kernel's ticks): how much of it was spent busy. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/**
 * The first line of `/proc/stat` ("cpu  user nice system idle iowait irq softirq steal …"), as busy and total time;
 * undefined when it is not that line. Waiting for I/O counts as idle; niced work (warming pool agents) as busy.
 */
export function cpuTimesOf(stat: string): CpuTimes | undefined {
  const fields = /^cpu\s+(.*)$/m.exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The share of the machine's CPU time that was busy between two readings (0 when no time passed). */
export function busyShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

export interface QuietOptions {
  /** At rest: at most this share of the machine's CPU busy (default 0.1: a fifth of one core on two). */
  busyBelow?: number;
  /** Over this many consecutive windows (default 2) … */
  windows?: number;
  /** … of this length (ms, default 100). */
  windowMs?: number;
  /** Gives up waiting after this long (ms, default 5,000): a machine that is never at rest is measured as it is. */
  maxMs?: number;
}

/** How long the wait took, and whether the machine was at rest at its end (false: it gave up at maxMs). */
export interface QuietWait {
  waitedMs: number;
  quiet: boolean;
}

const readCpuTimes = async (): Promise<CpuTimes | undefined> => cpuTimesOf(await readFile('/proc/stat', 'utf8').catch(() => ''));

/** Waits until the machine's CPU has been at rest (see QuietOptions); at once where `/proc/stat` cannot be read. */
export async function waitUntilQuiet(options: QuietOptions = {}): Promise<QuietWait> {
  const { busyBelow = 0.1, windows = 2, windowMs = 100, maxMs = 5000 } = options;
  const started = performance.now();
  let before = await readCpuTimes();
  if (!before) return { waitedMs: 0, quiet: false };
  let calm = 0;
  while (performance.now() - started < maxMs) {
    await sleep(windowMs);
    const after = await readCpuTimes();
    if (!after) break;
    calm = busyShare(before, after) < busyBelow ? calm + 1 : 0;
    before = after;
    if (calm >= windows) return { waitedMs: Math.round(performance.now() - started), quiet: true };
  }
  return { waitedMs: Math.round(performance.now() - started), quiet: false };
}
