/**
 * A server-mode agent reports a `.factory/` it could not read as the run's failure, whatever the files hold: before the
 * limits, 10,000 `!` in a row ended the agent inside hcl2json's Go runtime (exit 2, nothing reported).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from '../agent/harness.js';

const PIPELINE = 'pipeline "ok" {\n  stage "s" {\n    execution "e" { command = "true" }\n  }\n}\n';

describe('factory-agent server run: hostile configurations', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let baseSha: string;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    baseSha = repo.commit({ 'README.md': 'hostile\n' }, 'base');
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
  });

  const cases: Record<string, { files: Record<string, string>; reason: RegExp }> = {
    'operators nested 10,000 deep': {
      files: { '.factory/ci.hcl': `${PIPELINE}x = ${'!'.repeat(10_000)}true\n` },
      reason: /^invalid configuration \(1 error\):\n\.factory\/ci\.hcl:6:69: nested too deeply \(more than 64 levels/,
    },
    'a binary file': {
      files: { '.factory/ci.hcl': PIPELINE, '.factory/blob.hcl': `\u0000\u0001\u0002${'\u0003'.repeat(1000)}` },
      reason: /^invalid configuration \(1 error\):\n\.factory\/blob\.hcl:1:1: not a text file \(control character U\+0000\)/,
    },
    'a file over the size limit': {
      files: { '.factory/ci.hcl': `${PIPELINE}# ${'x'.repeat(600 * 1024)}\n` },
      reason: /^invalid configuration \(1 error\):\n\.factory\/ci\.hcl: file is too large \(\d+ bytes; a configuration file may have at most 512 KiB\)$/,
    },
  };

  for (const [name, { files, reason }] of Object.entries(cases)) {
    it(`reports ${name} as the workflow's failure and exits 2`, async () => {
      repo.branch(`hostile-${name.replace(/\W+/g, '-')}`, baseSha);
      const sha = repo.commit(files, name);
      const run = await seedRun(api, { url: repo.bare, sha, branch: 'main' });
      const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url }).done;
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).not.toMatch(/fatal error|goroutine|\n\s+at /);
      const stored = await storedRun(api, run.workflowId);
      expect(stored.status).toBe('failure');
      expect(stored.reason).toMatch(reason);
      expect(stored.pipelines.size).toBe(0);
    }, 120_000);
  }
});
