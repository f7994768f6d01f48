/**
 * `npm run bench`: runs every `bench/*.bench.ts` in name order. A bench file's default export is an async function
 * that measures and prints its own table (see lib.ts); benches compare against baselines measured in the same run
 * and never assert absolute times.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { printedTables } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = (await readdir(here)).filter((name) => name.endsWith('.bench.ts') && (!only || name.includes(only))).sort();
for (const file of files) {
  const module = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<void> };
  await module.default();
}

// The same figures for scripts and for comparing runs: every table, with the machine it was measured on.
const results = path.join(here, 'results', 'latest.json');
await mkdir(path.dirname(results), { recursive: true });
await writeFile(
  results,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg(), files, tables: printedTables }, null, 2)}\n`,
);
console.log(`\n${files.length} bench file(s) run; figures written to ${path.relative(process.cwd(), results)}.`);
