import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The orchestrator as a real process: its source through tsx (the default), or the built one (`npx tsc -b` first). */
export const ORCHESTRATOR_SOURCE = [
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
  fileURLToPath(new URL('../../apps/orchestrator/src/main.ts', import.meta.url)),
];
export const ORCHESTRATOR_BUILT = [fileURLToPath(new URL('../../apps/orchestrator/dist/main.js', import.meta.url))];

export interface OrchestratorProcess {
  child: ChildProcess;
  /** Its stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `node <entry>` with exactly `env` and waits for its `orchestrator started` line. */
export async function startOrchestratorProcess(env: Record<string, string>, entry: string[] = ORCHESTRATOR_SOURCE, timeoutMs = 20_000): Promise<OrchestratorProcess> {
  const child = spawn(process.execPath, entry, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('orchestrator started')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the orchestrator did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output, exited };
}

/** Sends `signal` (SIGTERM: a clean stop) unless it has ended, and waits for its end. */
export async function stopOrchestratorProcess(orchestrator: OrchestratorProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (orchestrator.child.exitCode === null && orchestrator.child.signalCode === null) orchestrator.child.kill(signal);
  await orchestrator.exited;
}

/**
 * After a test (a failed one may leave runs going): SIGKILLs the process group of every local run in `stateDir` (its
 * supervisor's, from run.json) and removes the directory.
 */
export function removeLocalRuns(stateDir: string): void {
  for (const dir of existsSync(stateDir) ? readdirSync(stateDir) : []) {
    try {
      const { pid } = JSON.parse(readFileSync(join(stateDir, dir, 'run.json'), 'utf8')) as { pid: number };
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}
