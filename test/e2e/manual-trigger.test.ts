/**
 * End to end with the local runner: a manual trigger of a repository on this machine (POST /workflow/trigger), whose
 * executions see the inputs as INPUT_<NAME>, then a re-run of its failed pipelines, in which the agent runs only those
 * and the pipelines depending on them and records the others as reused.
 */
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedChunkText } from '../../apps/api/src/agent/stored-chunk.js';
import { ADMIN_TOKEN } from '../api/harness.js';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { startE2E, storedTree, waitUntil, type E2E } from './harness.js';

let e2e: E2E;
let repo: GitRepo;
let conditionsRepo: GitRepo | undefined;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: [] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  repo?.remove();
  conditionsRepo?.remove();
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** build (prints what the trigger gave it) → broken (always fails) → after; pushes-only runs on pushes alone. */
const FACTORY = `
pipeline "build" {
  stage "say" {
    execution "inputs" {
      command = "echo \\"target=$INPUT_TARGET event=$FACTORY_EVENT branch=$FACTORY_BRANCH\\""
    }
  }
}

pipeline "pushes-only" {
  filter {
    events = ["push"]
  }
  stage "s" {
    execution "e" {
      command = "true"
    }
  }
}

pipeline "broken" {
  depends_on = ["build"]
  stage "s" {
    execution "e" {
      command = "echo broken; exit 3"
    }
  }
}

pipeline "after" {
  depends_on = ["broken"]
  stage "s" {
    execution "e" {
      command = "true"
    }
  }
}
`;

async function ended(workflowId: string) {
  await waitUntil(
    async () => ['success', 'failure', 'cancelled', 'error'].includes((await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).status),
    90_000,
    'the workflow to end',
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
  });
  return storedTree(e2e.api, workflowId);
}

describe('a manual trigger, end to end with the local runner', () => {
  it('runs the branch head with the inputs as INPUT_<NAME>; the re-run of its failed pipelines reuses build', async () => {
    repo = createGitRepo('main');
    const sha = repo.commit({ '.factory/pipelines.hcl': FACTORY }, 'initial');
    const project = await fetch(`${e2e.apiUrl}/project`, { method: 'POST', headers: admin, body: JSON.stringify({ owner: 'me', project: 'manual', url: pathToFileURL(repo.path).href }) });
    const projectId = ((await project.json()) as { id: string }).id;

    const triggered = await fetch(`${e2e.apiUrl}/workflow/trigger`, { method: 'POST', headers: admin, body: JSON.stringify({ project_id: projectId, inputs: { TARGET: 'staging' } }) });
    expect(triggered.status).toBe(201);
    const workflow = (await triggered.json()) as { id: string; sha: string };
    expect(workflow.sha).toBe(sha);

    const first = await ended(workflow.id);
    expect(first.workflow.status).toBe('failure');
    expect(first.workflow.pipelines.map((p) => [p.name, p.status])).toEqual([
      ['build', 'success'],
      ['broken', 'failure'],
      ['after', 'skipped'],
      ['pushes-only', 'skipped'],
    ]);
    expect(first.byPath['build/say/inputs']?.log).toBe('target=staging event=manual branch=main\n');

    const rerun = await fetch(`${e2e.apiUrl}/workflow/rerun?id=${workflow.id}&failed=true`, { method: 'POST', headers: { authorization: admin.authorization } });
    expect(rerun.status).toBe(201);
    const second = await ended(((await rerun.json()) as { id: string }).id);
    expect(second.workflow.status).toBe('failure');
    const build = first.workflow.pipelines.find((p) => p.name === 'build');
    expect(second.workflow.pipelines.map((p) => [p.name, p.status, p.reusedFrom])).toEqual([
      ['build', 'reused', build?.id],
      ['broken', 'failure', null],
      ['after', 'skipped', null],
      ['pushes-only', 'skipped', null],
    ]);
    // build did not run again: only broken (and after, skipped) have executions
    expect(second.executions.map((e) => [e.path, e.status])).toEqual([
      ['broken/s/e', 'failure'],
      ['after/s/e', 'skipped'],
    ]);
    expect(second.byPath['broken/s/e']?.log).toBe('broken\n');
  });
});

/**
 * Run conditions, allowed failures and retries: `flaky` fails its first attempt and succeeds on the second, `lint` may
 * fail; `broken` fails, its `cleanup` stage runs anyway (`when = "always"`), and `notify` runs because it failed.
 */
const CONDITIONS = `
pipeline "build" {
  stage "test" {
    execution "flaky" {
      command = "if [ -e .attempted ]; then echo second; else touch .attempted; echo first; exit 7; fi"
      retry   = 1
    }
    execution "lint" {
      command       = "echo warnings; exit 1"
      allow_failure = true
    }
  }
}

pipeline "broken" {
  stage "s" {
    execution "e" { command = "exit 3" }
  }
  stage "cleanup" {
    when = "always"
    execution "rm" { command = "echo cleaned" }
  }
}

pipeline "notify" {
  depends_on = ["broken"]
  when       = "on_failure"
  stage "tell" {
    execution "mail" { command = "echo told" }
  }
}
`;

interface ApiExecution {
  name: string;
  status: string;
  exit_code: number | null;
  allow_failure: boolean;
  allowed_failure: boolean;
  attempts: { attempt: number; status: string; exit_code: number | null; reason: string | null; log_seq: number }[];
}

describe('when, allow_failure and retry, end to end with the local runner', () => {
  it('runs "always" and "on_failure" steps after a failure, keeps an allowed failure from failing its stage, and keeps each attempt', async () => {
    conditionsRepo = createGitRepo('main');
    conditionsRepo.commit({ '.factory/pipelines.hcl': CONDITIONS }, 'initial');
    const project = await fetch(`${e2e.apiUrl}/project`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ owner: 'me', project: 'conditions', url: pathToFileURL(conditionsRepo.path).href }),
    });
    const projectId = ((await project.json()) as { id: string }).id;
    const triggered = await fetch(`${e2e.apiUrl}/workflow/trigger`, { method: 'POST', headers: admin, body: JSON.stringify({ project_id: projectId }) });
    const workflowId = ((await triggered.json()) as { id: string }).id;
    const stored = await ended(workflowId);

    const answer = await fetch(`${e2e.apiUrl}/workflow?id=${workflowId}`, { headers: { authorization: admin.authorization } });
    const tree = (await answer.json()) as { status: string; pipelines: { name: string; status: string; stages: { name: string; status: string; executions: ApiExecution[] }[] }[] };
    expect(tree.status).toBe('failure');
    const statuses = tree.pipelines.flatMap((p) => [[p.name, p.status], ...p.stages.map((s) => [`${p.name}/${s.name}`, s.status])]);
    expect(statuses).toEqual([
      ['build', 'success'],
      ['build/test', 'success'],
      ['broken', 'failure'],
      ['broken/s', 'failure'],
      ['broken/cleanup', 'success'],
      ['notify', 'success'],
      ['notify/tell', 'success'],
    ]);
    const [flaky, lint] = tree.pipelines[0]?.stages[0]?.executions ?? [];
    expect(lint).toMatchObject({ status: 'failure', exit_code: 1, allow_failure: true, allowed_failure: true });
    expect(flaky).toMatchObject({ status: 'success', exit_code: 0, allowed_failure: false });
    expect(flaky?.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'failure', exit_code: 7, reason: 'exit code 7' })]);

    // the log keeps both attempts, the second after a line marking its start; chunks before log_seq are the first's
    const chunks = stored.workflow.pipelines[0]?.stages[0]?.executions[0]?.logChunks ?? [];
    const logSeq = flaky?.attempts[0]?.log_seq ?? 0;
    expect(chunks.filter((c) => c.seq < logSeq).map((c) => storedChunkText(c)).join('')).toBe('first\n');
    expect(chunks.filter((c) => c.seq >= logSeq).map((c) => storedChunkText(c)).join('')).toBe('--- attempt 1 failed (exit code 7); attempt 2 ---\nsecond\n');
    expect(stored.byPath['broken/cleanup/rm']?.log).toBe('cleaned\n');
    expect(stored.byPath['notify/tell/mail']?.log).toBe('told\n');
  });
});
