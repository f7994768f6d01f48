import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = fileURLToPath(new URL('../../apps/orchestrator/src/main.ts', import.meta.url));

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the orchestrator entry point', () => {
  it('refuses a bad configuration with every problem and exit code 2', async () => {
    const main = startMain({ FACTORY_RUNNER: 'docker', LOG_LEVEL: 'loud' });
    expect(await main.exited).toBe(2);
    expect(main.output().stderr).toContain('FACTORY_RUNNER must be "local" or "kubernetes" (got "docker")');
    expect(main.output().stderr).toContain('LOG_LEVEL must be one of');
  });

  it('starts with the local runner by default and stops on SIGTERM', async () => {
    const main = startMain({ LOG_LEVEL: 'info' });
    const deadline = Date.now() + 15_000;
    while (!main.output().stdout.includes('orchestrator configured') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const line = JSON.parse(main.output().stdout.split('\n')[0] ?? '{}') as { runner?: string; consul?: boolean };
    expect(line).toMatchObject({ runner: 'local', consul: false });
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(main.output().stdout).toContain('orchestrator stopped');
  });
});
