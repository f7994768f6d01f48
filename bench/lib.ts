/** Small helpers shared by the bench files: timing and a plain-text table. No absolute thresholds are asserted. */

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

/** Prints measurements as a table, each relative to the measurement named `baseline`. */
export function printTable(title: string, rows: readonly Measurement[], baseline: string): void {
  const base = rows.find((row) => row.name === baseline)?.medianMs ?? Number.NaN;
  const header = ['what', 'runs', 'median ms', 'min ms', `× ${baseline}`];
  const cells = rows.map((row) => [row.name, String(row.runs), row.medianMs.toFixed(1), row.minMs.toFixed(1), (row.medianMs / base).toFixed(2)]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...cells.map((line) => (line[i] as string).length)));
  const format = (line: string[]) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  console.log(`\n${title}\n`);
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of cells) console.log(format(line));
}
