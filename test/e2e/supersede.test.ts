/**
 * End to end with the local runner: a push whose run is running, and a newer push to the same branch whose `.factory`
 * says `workflow { cancel_superseded = true }` — once the newer run's agent has read it and recorded its plan, the older
 * run is cancelled through the cancel path (its agent stops, its execution ends cancelled) with the reason naming the
 * newer run, which runs to its end and whose execution sees the run's variables. (The project setting, which does the
 * same at intake, is covered by test/api/intake-rules.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { pushToMain, startE2E, storedTree, waitUntil, type E2E } from './harness.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['superseded'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const pipeline = (command: string, workflow = '') => `${workflow}
pipeline "build" {
  stage "s" {
    execution "e" {
      command = "${command}"
    }
  }
}
`;

const PRINT = 'echo sha=$FACTORY_SHA number=$FACTORY_RUN_NUMBER id=$FACTORY_RUN_ID repo=$FACTORY_REPOSITORY ref=$FACTORY_REF trusted=$FACTORY_TRUSTED author=$FACTORY_COMMIT_AUTHOR';

const status = async (id: string) => (await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id } })).status;
const ended = (id: string) =>
  waitUntil(async () => ['success', 'failure', 'cancelled', 'error'].includes(await status(id)), 90_000, 'the workflow to end').catch((error: Error) => {
    throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
  });

describe('superseded runs (the workflow block), end to end with the local runner', () => {
  it('a newer push to the branch cancels the running older run; the newer one runs with the run\'s variables', async () => {
    const project = await e2e.createProject('superseded', { '.factory/build.hcl': pipeline('sleep 60') });
    const settings = await fetch(`${e2e.apiUrl}/project?id=${project.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await settings.json()) as { cancel_superseded: boolean }).cancel_superseded).toBe(false);

    const slowSha = project.repo.git('rev-parse', 'HEAD');
    project.repo.commit({ 'README.md': 'one' }, 'one');
    const firstSha = project.repo.git('rev-parse', 'HEAD');
    const first = await pushToMain(e2e, project, firstSha, ['README.md']);
    expect(slowSha).not.toBe(firstSha);
    await waitUntil(
      async () => (await e2e.api.database.db.execution.findFirst({ where: { stage: { pipeline: { workflowId: first } }, status: 'running' } })) !== null,
      60_000,
      'the first run\'s execution to run',
    );

    const secondSha = project.repo.commit({ '.factory/build.hcl': pipeline(PRINT, 'workflow {\n  cancel_superseded = true\n}\n') }, 'two');
    const second = await pushToMain(e2e, project, secondSha, ['.factory/build.hcl']);

    await ended(first);
    const older = await storedTree(e2e.api, first);
    const newer = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: second } });
    expect(older.workflow).toMatchObject({ status: 'cancelled', statusReason: `superseded by #${newer.number} (${secondSha.slice(0, 7)})`, cancelledBy: `workflow:${second}` });
    expect(older.executions.map((e) => [e.path, e.status])).toEqual([['build/s/e', 'cancelled']]);

    await ended(second);
    const run = await storedTree(e2e.api, second);
    expect(run.workflow.status).toBe('success');
    expect(run.byPath['build/s/e']?.log).toBe(
      `sha=${secondSha} number=${newer.number} id=${second} repo=acme/superseded ref=refs/heads/main trusted=true author=${newer.commitAuthor}\n`,
    );
  });
});
