/**
 * End to end with the local runner: a push to the default branch whose `.factory` declares a schedule keeps it (its
 * agent's plan); at the due time the scheduler (run here in the API's place, with the due time as its clock) starts a
 * run of event `schedule` on the branch's head through the GitHub App, which runs through the orchestrator and a real
 * agent: the pipeline filtered on `schedule` runs only then, and executions see FACTORY_EVENT and FACTORY_SCHEDULE.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireDueSchedules } from '../../apps/api/src/schedules/scheduler.js';
import { pushToMain, startE2E, storedTree, waitUntil, type E2E } from './harness.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['scheduled'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const CONFIG = `schedule "nightly" {
  cron = "0 3 * * *"
}

pipeline "build" {
  stage "s" {
    execution "e" {
      command = "echo event=$FACTORY_EVENT schedule=$\${FACTORY_SCHEDULE:-none}"
    }
  }
}

pipeline "nightly-only" {
  filter {
    events = ["schedule"]
  }
  stage "s" {
    execution "e" {
      command = "echo slow tests"
    }
  }
}
`;

const ended = (id: string) =>
  waitUntil(
    async () => {
      const { status } = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id } });
      return ['success', 'failure', 'cancelled', 'error'].includes(status);
    },
    90_000,
    'the workflow to end',
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
  });

describe('schedules, end to end with the local runner', () => {
  it('a push to main keeps the schedule; its due time runs the schedule-only pipeline on the head of main', async () => {
    const project = await e2e.createProject('scheduled', { 'README.md': 'hello\n' });
    const sha = project.repo.commit({ '.factory/build.hcl': CONFIG }, 'schedule it');
    const push = await pushToMain(e2e, project, sha, ['.factory/build.hcl']);
    await ended(push);
    const pushed = await storedTree(e2e.api, push);
    expect(pushed.workflow.status).toBe('success');
    expect(pushed.byPath['build/s/e']?.log).toBe('event=push schedule=none\n');
    expect(pushed.workflow.pipelines.find((p) => p.name === 'nightly-only')?.status).toBe('skipped');

    const [schedule] = await e2e.api.database.db.schedule.findMany({ where: { projectId: project.id } });
    expect(schedule).toMatchObject({ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null });
    const due = schedule?.nextDueAt as Date;
    expect(due.getUTCHours()).toBe(3);

    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const deps = { db: e2e.api.database.db, queue: e2e.api.queue, github: e2e.githubApp, logger };
    const [outcome] = await fireDueSchedules(deps, new Date(due.getTime() + 1000));
    expect(outcome).toEqual({ started: expect.any(String) });
    const scheduledId = (outcome as { started: string }).started;
    await ended(scheduledId);
    const run = await storedTree(e2e.api, scheduledId);
    expect(run.workflow).toMatchObject({ status: 'success', event: 'schedule', sha, branch: 'main', schedule: 'nightly', scheduledFor: due, trusted: true });
    expect(run.byPath['build/s/e']?.log).toBe('event=schedule schedule=nightly\n');
    expect(run.byPath['nightly-only/s/e']?.log).toBe('slow tests\n');
  });
});
