import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from './harness.js';

const SECRET = 'fork-must-never-see-this-7731';

const BASE_CONFIG = `
pipeline "checks" {
  stage "s" {
    execution "which-config" {
      command = <<-EOT
        echo base config ran
        cat marker.txt
        echo "secret: $\${DEPLOY_TOKEN:-unset}"
      EOT
    }
  }
}

pipeline "needs-secret" {
  stage "s" {
    execution "uses" {
      command = <<-EOT
        echo "got a secret of length $\${#DEPLOY_TOKEN}"
        echo "$DEPLOY_TOKEN"
      EOT
      secrets = ["DEPLOY_TOKEN"]
    }
  }
}

pipeline "copies" {
  matrix {
    n = ["1", "2"]
  }
  stage "s" {
    execution "uses" {
      command = <<-EOT
        echo "copy $MATRIX_N got a secret of length $\${#DEPLOY_TOKEN}"
      EOT
      secrets = ["DEPLOY_TOKEN"]
    }
  }
}
`;

/** What a fork would like to run: print the secret, in the clear and disguised. */
const FORK_CONFIG = `
pipeline "evil" {
  stage "s" {
    execution "leak" {
      command = <<-EOT
        echo "$DEPLOY_TOKEN" | rev
        echo "$DEPLOY_TOKEN"
        env
      EOT
      secrets = ["DEPLOY_TOKEN"]
    }
  }
}
`;

describe('factory-agent server run: trust', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let baseSha: string;
  let forkSha: string;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    baseSha = repo.commit({ '.factory/ci.hcl': BASE_CONFIG, 'marker.txt': 'base marker\n' }, 'base');
    repo.branch('fork', baseSha);
    forkSha = repo.commit({ '.factory/ci.hcl': FORK_CONFIG, 'marker.txt': 'fork marker\n' }, 'fork edits .factory');
    repo.pushRef(forkSha, 'refs/pull/1/head');
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
  });

  it('runs an untrusted pull request with the base commit\'s .factory/ on the pull request\'s code, without secrets', async () => {
    const run = await seedRun(api, {
      url: repo.bare, event: 'pull_request', branch: 'main', sha: forkSha, baseSha, trusted: false, prNumber: 1,
      secrets: { DEPLOY_TOKEN: SECRET },
    });
    const agent = startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url });
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(1);

    const stored = await storedRun(api, run.workflowId);
    expect([...stored.pipelines.keys()].sort()).toEqual(['checks', 'copies (n=1)', 'copies (n=2)', 'needs-secret']); // no "evil"
    expect(stored.executions.get('checks/s/which-config')).toMatchObject({
      status: 'success',
      log: 'base config ran\nfork marker\nsecret: unset\n', // the base's job code ran on the pull request's files
    });
    expect(stored.executions.get('needs-secret/s/uses')).toMatchObject({
      status: 'error',
      reason: 'declared secret "DEPLOY_TOKEN" not given to pipeline "needs-secret" of an untrusted pull request; not started (an empty value is never substituted)',
      log: '',
    });
    expect(stored.executions.get('copies (n=1)/s/uses')).toMatchObject({ status: 'error', log: '' });
    const reversed = [...SECRET].reverse().join('');
    for (const text of [...[...stored.executions.values()].map((e) => e.log), result.stdout, result.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(reversed);
    }
  });

  it('gives the secrets of an untrusted run only to the pipelines the project allows (a listed matrix pipeline: each copy)', async () => {
    const run = await seedRun(api, {
      url: repo.bare, event: 'pull_request', branch: 'main', sha: forkSha, baseSha, trusted: false, prNumber: 1,
      secrets: { DEPLOY_TOKEN: SECRET }, forkSecretPipelines: ['needs-secret', 'copies'],
    });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url }).done;
    expect(result.code, result.stderr).toBe(0);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('success');
    expect(stored.executions.get('checks/s/which-config')?.log).toContain('secret: unset');
    expect(stored.executions.get('needs-secret/s/uses')?.log).toBe(`got a secret of length ${SECRET.length}\n***\n`);
    expect(stored.executions.get('copies (n=1)/s/uses')?.log).toBe(`copy 1 got a secret of length ${SECRET.length}\n`);
    expect(stored.executions.get('copies (n=2)/s/uses')?.log).toBe(`copy 2 got a secret of length ${SECRET.length}\n`);
  });

  it('reports an invalid .factory/ as the workflow\'s failure with every diagnostic, and exits 2', async () => {
    repo.branch('broken', baseSha);
    const sha = repo.commit({ '.factory/ci.hcl': 'pipeline "x" {\n  stage "s" {\n    execution "e" { comand = "echo" }\n  }\n}\n' }, 'typo');
    const run = await seedRun(api, { url: repo.bare, sha, branch: 'broken' });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url }).done;
    expect(result.code).toBe(2);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('failure');
    expect(stored.reason).toMatch(/^invalid configuration \(\d+ errors?\):\n\.factory\/ci\.hcl:3:\d+: /);
    expect(stored.pipelines.size).toBe(0);
    expect(result.stderr).toContain('.factory/ci.hcl:3:');
  });

  it('ends the run as error when the commit cannot be fetched', async () => {
    const run = await seedRun(api, { url: repo.bare, sha: 'f'.repeat(40) });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url }).done;
    expect(result.code).toBe(1);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('error');
    expect(stored.reason).toMatch(/^checkout failed: git fetch failed/);
  });
});
