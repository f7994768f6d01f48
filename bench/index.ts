/**
 * `npm run bench`: runs every `bench/*.bench.ts` in name order. A bench file's default export is an async function
 * that measures and prints its own table (see lib.ts); benches compare against baselines measured in the same run
 * and never assert absolute times.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = (await readdir(here)).filter((name) => name.endsWith('.bench.ts') && (!only || name.includes(only))).sort();
for (const file of files) {
  const module = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<void> };
  await module.default();
}
console.log(`\n${files.length} bench file(s) run.`);
