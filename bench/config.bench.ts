import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as hcl2json } from '@cdktf/hcl2json';
import { loadConfig, loadConfigFromFiles } from '../packages/config/src/index.js';
import { parseTree } from '../packages/config/src/hcl-syntax.js';
import { measure, printTable } from './lib.js';

/** A large, valid configuration: `pipelines` pipelines of 2 stages with 5 executions each. */
export function generateConfig(pipelines: number): string {
  const parts: string[] = [];
  for (let p = 0; p < pipelines; p++) {
    const dependsOn = p > 0 ? `  depends_on = ["p${p - 1}"]\n` : '';
    const stages = [0, 1].map((s) => {
      const executions = [0, 1, 2, 3, 4].map(
        (e) =>
          `    execution "e${e}" {\n      command = "npm run task-${p}-${s}-${e} && echo done"\n      env     = { INDEX = "${e}", MODE = "ci" }\n      timeout = "10m"\n      secrets = ["NPM_TOKEN"]\n    }\n`,
      );
      return `  stage "s${s}" {\n${executions.join('')}  }\n`;
    });
    parts.push(
      `pipeline "p${p}" {\n${dependsOn}  env = { PIPELINE = "p${p}" }\n  filter {\n    events   = ["push", "pull_request"]\n    branches = ["main", "release/*"]\n    paths    = ["src/**", "package.json"]\n  }\n${stages.join('')}}\n\n`,
    );
  }
  return parts.join('');
}

export default async function bench(): Promise<void> {
  const pipelines = 200;
  const content = generateConfig(pipelines);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'factory-bench-'));
  try {
    await writeFile(path.join(dir, 'big.hcl'), content);
    const coldStart = performance.now();
    const json = JSON.stringify(await hcl2json('big.hcl', content));
    const coldMs = performance.now() - coldStart;
    const rows = [
      await measure('hcl2json parse', () => hcl2json('big.hcl', content)),
      await measure('JSON.parse of its output', () => JSON.parse(json), { runs: 20 }),
      await measure('tree-sitter parse', async () => (await parseTree(content)).delete()),
      await measure('loadConfigFromFiles', () => loadConfigFromFiles([{ path: 'big.hcl', content }])),
      await measure('loadConfig (from disk)', () => loadConfig(dir)),
    ];
    const kb = (Buffer.byteLength(content) / 1024).toFixed(0);
    const examples = fileURLToPath(new URL('../examples/.factory', import.meta.url));
    const exampleFiles = await Promise.all(
      (await readdir(examples)).filter((name) => name.endsWith('.hcl')).map(async (name) => ({ name, content: await readFile(path.join(examples, name), 'utf8') })),
    );
    const small = [
      await measure('hcl2json parse of each file', () => Promise.all(exampleFiles.map((file) => hcl2json(file.name, file.content))), { runs: 20 }),
      await measure('loadConfig', () => loadConfig(examples), { runs: 20 }),
    ];
    printTable(`config: ${pipelines} pipelines / ${pipelines * 10} executions, one ${kb} KB file (hcl2json's first call in this process, with its WebAssembly start: ${coldMs.toFixed(0)} ms)`, rows, 'hcl2json parse');
    printTable(`config: examples/.factory (${exampleFiles.length} small files)`, small, 'hcl2json parse of each file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
