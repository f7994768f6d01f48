/** Small helpers shared by the bench files: timing and a plain-text table. No absolute thresholds are asserted. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Measurement {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
}

/** Runs `fn` `runs` times (after `warmup` untimed runs) and reports the median and minimum wall time. */
export async function measure(name: string, fn: () => unknown, { runs = 5, warmup = 1 } = {}): Promise<Measurement> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, runs, medianMs: times[Math.floor(times.length / 2)] as number, minMs: times[0] as number };
}

/** One printed table, as `npm run bench` also writes it to bench/results/latest.json. */
export interface BenchTable {
  title: string;
  baseline: string;
  rows: Record<string, string | number>[];
}

/** Every table printed in this process, in order (written out by index.ts). */
export const printedTables: BenchTable[] = [];

/** Prints measurements as a table, each relative to the measurement named `baseline`. */
export function printTable(title: string, rows: readonly Measurement[], baseline: string): void {
  const base = rows.find((row) => row.name === baseline)?.medianMs ?? Number.NaN;
  printedTables.push({ title, baseline, rows: rows.map((row) => ({ ...row, relative: row.medianMs / base })) });
  const header = ['what', 'runs', 'median ms', 'min ms', `× ${baseline}`];
  const cells = rows.map((row) => [row.name, String(row.runs), row.medianMs.toFixed(1), row.minMs.toFixed(1), (row.medianMs / base).toFixed(2)]);
  printCells(title, header, cells);
}

export interface LoadMeasurement {
  name: string;
  requests: number;
  concurrency: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends `requests` requests through `send` with at most `concurrency` in flight (after `warmup` untimed ones at the
 * same concurrency), and reports the throughput and the p50/p99 latency. `send(i)` gets the request's index, counting
 * on from the warm-up, so each request can be distinct.
 */
export async function measureLoad(
  name: string,
  send: (index: number) => Promise<unknown>,
  { requests = 2000, concurrency = 16, warmup = 200 } = {},
): Promise<LoadMeasurement> {
  const run = async (count: number, offset: number, latencies: number[] | null) => {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = offset + next++;
        const start = performance.now();
        await send(index);
        latencies?.push(performance.now() - start);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  };
  await run(warmup, 0, null);
  const latencies: number[] = [];
  const start = performance.now();
  await run(requests, warmup, latencies);
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => percentileOf(latencies, p);
  return { name, requests, concurrency, perSecond: (requests / elapsedMs) * 1000, p50Ms: percentile(50), p99Ms: percentile(99) };
}

/** Prints load measurements as a table, the throughput and p50 of each relative to the measurement named `baseline`. */
export function printLoadTable(title: string, rows: readonly LoadMeasurement[], baseline: string): void {
  const base = rows.find((row) => row.name === baseline);
  printedTables.push({
    title,
    baseline,
    rows: rows.map((row) => ({ ...row, relativePerSecond: row.perSecond / (base?.perSecond ?? Number.NaN), relativeP50: row.p50Ms / (base?.p50Ms ?? Number.NaN) })),
  });
  const header = ['what', 'requests', 'conc.', 'req/s', 'p50 ms', 'p99 ms', '× req/s', '× p50'];
  const cells = rows.map((row) => [
    row.name,
    String(row.requests),
    String(row.concurrency),
    row.perSecond.toFixed(0),
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    (row.perSecond / (base?.perSecond ?? Number.NaN)).toFixed(3),
    (row.p50Ms / (base?.p50Ms ?? Number.NaN)).toFixed(1),
  ]);
  printCells(`${title}\n(× columns: relative to "${baseline}")`, header, cells);
}

function printCells(title: string, header: string[], cells: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...cells.map((line) => (line[i] as string).length)));
  const format = (line: string[]) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  console.log(`\n${title}\n`);
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of cells) console.log(format(line));
}

/**
 * Sends `requests` requests through `send` at a fixed rate (`perSecond`, open loop: request i starts at i / perSecond
 * seconds whether or not the earlier ones have been answered) and reports the p50/p99 latency, the rate achieved and,
 * as `concurrency`, the most requests that were in flight at once.
 */
export async function measureFixedRate(
  name: string,
  send: (index: number) => Promise<unknown>,
  { requests = 1000, perSecond = 200, offset = 0 } = {},
): Promise<LoadMeasurement> {
  const latencies: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const start = performance.now();
  const sent: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const begun = performance.now();
    sent.push(
      send(offset + i).then(() => {
        latencies.push(performance.now() - begun);
        inFlight--;
      }),
    );
  }
  await Promise.all(sent);
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => percentileOf(latencies, p);
  return { name, requests, concurrency: maxInFlight, perSecond: (requests / elapsedMs) * 1000, p50Ms: percentile(50), p99Ms: percentile(99) };
}

/** The `p`th percentile of `sorted` (ascending), nearest rank. */
export function percentileOf(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export interface LatencyMeasurement {
  name: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** The p50, p95 and maximum of `latencies` (ms). */
export function latencyOf(name: string, latencies: readonly number[]): LatencyMeasurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { name, samples: sorted.length, p50Ms: percentileOf(sorted, 50), p95Ms: percentileOf(sorted, 95), maxMs: sorted.at(-1) ?? Number.NaN };
}

/** Prints latency distributions as a table, the p50 and p95 of each relative to the measurement named `baseline`. */
export function printLatencyTable(title: string, rows: readonly LatencyMeasurement[], baseline: string): void {
  const base = rows.find((row) => row.name === baseline);
  const relative = (row: LatencyMeasurement) => ({ p50: row.p50Ms / (base?.p50Ms ?? Number.NaN), p95: row.p95Ms / (base?.p95Ms ?? Number.NaN) });
  printedTables.push({ title, baseline, rows: rows.map((row) => ({ ...row, relativeP50: relative(row).p50, relativeP95: relative(row).p95 })) });
  const header = ['what', 'samples', 'p50 ms', 'p95 ms', 'max ms', '× p50', '× p95'];
  const cells = rows.map((row) => [
    row.name,
    String(row.samples),
    row.p50Ms.toFixed(2),
    row.p95Ms.toFixed(2),
    row.maxMs.toFixed(2),
    relative(row).p50.toFixed(1),
    relative(row).p95.toFixed(1),
  ]);
  printCells(title, header, cells);
}

export interface MemoryMeasurement {
  name: string;
  bytes: number;
}

/**
 * Prints resident-memory figures, each relative to the one named `baseline` and, with `per`, its growth over the
 * baseline divided among `per.count` things (e.g. KiB per client).
 */
export function printMemoryTable(title: string, rows: readonly MemoryMeasurement[], baseline: string, per?: { count: number; unit: string }): void {
  const base = rows.find((row) => row.name === baseline)?.bytes ?? Number.NaN;
  const growth = (row: MemoryMeasurement) => (per ? (row.bytes - base) / 1024 / per.count : Number.NaN);
  printedTables.push({
    title,
    baseline,
    rows: rows.map((row) => ({ name: row.name, mib: row.bytes / 1024 / 1024, relative: row.bytes / base, ...(per ? { [`kibPer${per.unit}`]: growth(row) } : {}) })),
  });
  const header = ['what', 'RSS MiB', `× ${baseline}`, ...(per ? [`KiB per ${per.unit}`] : [])];
  const cells = rows.map((row) => [
    row.name,
    (row.bytes / 1024 / 1024).toFixed(1),
    (row.bytes / base).toFixed(2),
    ...(per ? [row.name === baseline ? '' : growth(row).toFixed(0)] : []),
  ]);
  printCells(title, header, cells);
}

/** Reads VmRSS and VmHWM of a running process (Linux); zeros elsewhere or once it has ended. */
export async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

export interface ProcessRun {
  ms: number;
  /** The most resident memory seen while it ran (VmRSS sampled every 20 ms from /proc), bytes. */
  rssBytes: number;
  /** Its peak resident memory (VmHWM, last sample), bytes. */
  peakBytes: number;
}

/** Runs `file args` to its end (stdio ignored): wall time (spawn to exit) and resident memory; rejects unless it exits 0. */
export function runProcess(file: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'ignore' });
    let rssBytes = 0;
    let peakBytes = 0;
    const sample = async () => {
      const { rss, hwm } = await memoryOf(child.pid as number);
      rssBytes = Math.max(rssBytes, rss);
      peakBytes = Math.max(peakBytes, hwm);
    };
    const timer = setInterval(() => void sample(), 20);
    void sample();
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - start;
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited with ${code}`));
      else resolve({ ms, rssBytes, peakBytes });
    });
  });
}

/** `runProcess` of this node with `args`. */
export function runNode(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<ProcessRun> {
  return runProcess(process.execPath, args, { cwd, ...(env ? { env } : {}) });
}
