import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as hcl2json } from '@cdktf/hcl2json';
import { loadConfig, loadConfigFromFiles } from '../packages/config/src/index.js';
import { fastParseHcl } from '../packages/config/src/fast-hcl.js';
import { parseTree } from '../packages/config/src/hcl-syntax.js';
import { measure, printMemoryTable, printTable, runNode, type Measurement, type MemoryMeasurement } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const agentBin = path.join(root, 'apps/agent/bin/factory-agent.js');

/** Median and minimum of `runs` cold starts of each command, taken in turns so that the machine's load hits all alike. */
async function coldStarts(commands: Record<string, readonly string[]>, runs: number): Promise<Measurement[]> {
  const times = new Map<string, number[]>(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < runs + 1; i++) {
    for (const [name, args] of Object.entries(commands)) {
      const { ms } = await runNode(args, root);
      if (i > 0) times.get(name)?.push(ms); // the first round warms the file cache
    }
  }
  return [...times].map(([name, list]) => {
    list.sort((a, b) => a - b);
    return { name, runs, medianMs: list[Math.floor(list.length / 2)] as number, minMs: list[0] as number };
  });
}

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
      await measure('fast parser (fast-hcl.ts)', () => fastParseHcl('big.hcl', content), { runs: 10 }),
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
    await agentFigures(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The agent as a user starts it: cold `factory-agent validate` and `plan` beside `node -e 0`, and its memory. */
async function agentFigures(bigDir: string): Promise<void> {
  if (!existsSync(path.join(root, 'apps/agent/dist/cli.js'))) {
    console.log('\nconfig: factory-agent figures left out: run `npm run build` first (the agent runs from apps/agent/dist)');
    return;
  }
  const dir = ['--dir', 'examples/.factory'];
  // "a typical .factory": 5 pipelines, 50 executions
  const typicalDir = await mkdtemp(path.join(os.tmpdir(), 'factory-bench-typical-'));
  await writeFile(path.join(typicalDir, 'ci.hcl'), generateConfig(5));
  const cold = await coldStarts(
    {
      'node -e 0': ['-e', '0'],
      'factory-agent validate': [agentBin, 'validate', ...dir],
      'factory-agent plan': [agentBin, 'plan', ...dir, '--event', 'push', '--branch', 'main'],
      'factory-agent validate (50 executions)': [agentBin, 'validate', '--dir', typicalDir],
      'factory-agent validate (2,000 executions)': [agentBin, 'validate', '--dir', bigDir],
    },
    10,
  ).finally(() => rm(typicalDir, { recursive: true, force: true }));
  printTable('config: cold start of a new process (spawn to exit), examples/.factory unless said', cold, 'node -e 0');
  const idle = await runNode(['-e', 'setTimeout(() => {}, 300)'], root);
  const validate = await runNode([agentBin, 'validate', ...dir], root);
  // a typical local run: examples/.factory for a push to main; the agent waits while its commands run
  const run = await runNode([agentBin, 'run', '--event', 'push', '--branch', 'main', '--secret', 'DEPLOY_TOKEN=bench'], path.join(root, 'examples'));
  const rows: MemoryMeasurement[] = [
    { name: 'node (idle 300 ms)', bytes: idle.rssBytes },
    { name: 'factory-agent validate, peak', bytes: validate.peakBytes },
    { name: 'factory-agent run, most while its commands run', bytes: run.rssBytes },
    { name: 'factory-agent run, peak', bytes: run.peakBytes },
  ];
  printMemoryTable(`config: the agent's resident memory (run of examples/.factory: ${(run.ms / 1000).toFixed(1)} s)`, rows, 'node (idle 300 ms)');
}
