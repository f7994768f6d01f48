/** scripts/start.sh, the embedded default, keeps a small pool of warm agents unless told otherwise (docs/runners.md). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const START = fileURLToPath(new URL('../../scripts/start.sh', import.meta.url));

describe('scripts/start.sh', () => {
  it('starts the orchestrator with a pool of 2 warm agents; FACTORY_LOCAL_POOL_SIZE=0 turns it off', () => {
    const setting = readFileSync(START, 'utf8').split('\n').filter((line) => /^export FACTORY_LOCAL_POOL_SIZE=/.test(line));
    expect(setting).toHaveLength(1);
    const size = (env: Record<string, string>) =>
      execFileSync('bash', ['-c', `${setting[0]}; printf %s "$FACTORY_LOCAL_POOL_SIZE"`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }).toString();
    expect(size({})).toBe('2');
    expect(size({ FACTORY_LOCAL_POOL_SIZE: '0' })).toBe('0');
  });
});
