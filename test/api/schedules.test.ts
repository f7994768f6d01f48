import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { ensureRunCounter, takeRunNumber } from '@factoryci/db';
import type { Schedules } from '../../apps/ctl/src/api-types.js';
import { fireDueSchedules, type SchedulerDeps } from '../../apps/api/src/schedules/scheduler.js';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { samplePlan } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

/**
 * Schedules (docs/schedules.md) against the real database, Redis and a real git repository: kept from the plans of
 * pushes to the default branch, listed by GET /project/schedules, and fired once per due time by any number of
 * schedulers.
 */
let api: ApiHarness;
let repo: GitRepo;
let mainSha: string;
let projectId: string;
let deps: SchedulerDeps;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  api = await startApi();
  repo = createGitRepo('main');
  mainSha = repo.commit({ 'README.md': 'one\n' });
  repo.git('branch', 'nightly-base');
  const created = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'me', project: 'scheduled', url: pathToFileURL(repo.path).href } });
  projectId = (created.json() as { id: string }).id;
  await ensureRunCounter(api.database.db, projectId);
  deps = { db: api.database.db, queue: api.queue, github: null, logger };
});
afterAll(async () => {
  await api?.close();
  repo?.remove();
});

type Kind = { event: 'push' | 'pull_request'; branch: string; trusted?: boolean; rerunOf?: string };

/** A workflow of the project (the next number) and its agent's headers. */
async function run(kind: Kind): Promise<{ id: string; number: number; headers: { authorization: string } }> {
  const number = (await takeRunNumber(api.database.db, projectId)) as number;
  const { id } = await api.database.db.workflow.create({
    data: {
      projectId,
      number,
      event: kind.event,
      ref: kind.event === 'push' ? `refs/heads/${kind.branch}` : 'refs/pull/3/head',
      sha: mainSha,
      branch: kind.branch,
      trusted: kind.trusted ?? true,
      status: 'running',
      ...(kind.rerunOf ? { rerunOf: kind.rerunOf } : {}),
    },
  });
  return { id, number, headers: { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), id, 600)}` } };
}

const putPlan = (headers: { authorization: string }, schedules: object[]) =>
  api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: { ...samplePlan, schedules } });

const list = async () => {
  const res = await api.app.inject({ method: 'GET', url: `/project/schedules?id=${projectId}`, headers: adminHeaders });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Schedules;
};

const nightly = { name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null };
const hourly = { name: 'hourly', cron: '0 * * * *', timezone: 'Europe/Berlin', branch: 'nightly-base' };

describe('keeping schedules (PUT /agent/v1/plan)', () => {
  it('a push to the default branch replaces the set; other runs, re-runs and older pushes do not', async () => {
    expect(await list()).toEqual({ default_branch: 'main', source: null, schedules: [] });

    const older = await run({ event: 'push', branch: 'main' });
    const first = await run({ event: 'push', branch: 'main' });
    const before = Date.now();
    expect((await putPlan(first.headers, [nightly, hourly])).statusCode).toBe(200);
    const kept = await list();
    expect(kept.source).toEqual({ workflow_id: first.id, number: first.number, sha: mainSha, updated_at: expect.any(String) });
    expect(kept.schedules.map((s) => [s.name, s.cron, s.timezone, s.branch, s.last_run, s.last_error])).toEqual([
      ['hourly', '0 * * * *', 'Europe/Berlin', 'nightly-base', null, null],
      ['nightly', '0 3 * * *', 'UTC', null, null, null],
    ]);
    const nightlyDue = new Date(kept.schedules[1]?.next_due_at ?? '');
    expect(nightlyDue.getUTCHours()).toBe(3);
    expect(nightlyDue.getTime() - before).toBeLessThanOrEqual(86_400_000);

    // the plan of an older push arrives late, a feature branch, an untrusted pull request, a re-run: no change
    for (const other of [older, await run({ event: 'push', branch: 'feature' }), await run({ event: 'pull_request', branch: 'main', trusted: false }), await run({ event: 'push', branch: 'main', rerunOf: first.id })]) {
      expect((await putPlan(other.headers, [])).statusCode).toBe(200);
    }
    expect(await list()).toEqual(kept);

    // a newer push: nightly re-timed (a new due time), hourly's branch changed (its due time kept), a third added
    const newer = await run({ event: 'push', branch: 'main' });
    const weekly = { name: 'weekly', cron: '@weekly', timezone: 'UTC', branch: null };
    expect((await putPlan(newer.headers, [{ ...nightly, cron: '30 4 * * *' }, { ...hourly, branch: null }, weekly])).statusCode).toBe(200);
    const changed = await list();
    expect(changed.source?.number).toBe(newer.number);
    expect(changed.schedules.map((s) => [s.name, s.cron, s.branch])).toEqual([
      ['hourly', '0 * * * *', null],
      ['nightly', '30 4 * * *', null],
      ['weekly', '@weekly', null],
    ]);
    expect(changed.schedules[0]?.next_due_at).toBe(kept.schedules[0]?.next_due_at);
    expect(new Date(changed.schedules[1]?.next_due_at ?? '').getUTCHours()).toBe(4);

    // the same plan again (a retried PUT) changes nothing; the newest push without schedules removes them all
    expect((await putPlan(newer.headers, [{ ...nightly, cron: '30 4 * * *' }, { ...hourly, branch: null }, weekly])).statusCode).toBe(200);
    expect(await list()).toEqual(changed);
    const newest = await run({ event: 'push', branch: 'main' });
    expect((await putPlan(newest.headers, [])).statusCode).toBe(200);
    expect((await list()).schedules).toEqual([]);
  });

  it('a cron or time zone the API cannot read, or a name declared twice, is a 400', async () => {
    const { headers } = await run({ event: 'push', branch: 'main' });
    const bad = [
      [[{ ...nightly, cron: '61 * * * *' }], 'schedule "nightly": invalid minute field "61" in "61 * * * *": Invalid value for minute: 61'],
      [[{ ...nightly, timezone: 'Mars/Olympus' }], 'schedule "nightly": unknown time zone "Mars/Olympus": use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"'],
      [[nightly, nightly], 'schedule "nightly" is declared twice'],
    ] as const;
    for (const [schedules, message] of bad) {
      const res = await putPlan(headers, [...schedules]);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ message });
    }
  });
});

describe('firing schedules (the scheduler)', () => {
  /** The project's schedules set by a new push, with `due` as nightly's next due time. */
  async function scheduled(schedules: object[], due: Record<string, Date>): Promise<void> {
    const push = await run({ event: 'push', branch: 'main' });
    expect((await putPlan(push.headers, schedules)).statusCode).toBe(200);
    for (const [name, at] of Object.entries(due)) await api.database.db.schedule.update({ where: { projectId_name: { projectId, name } }, data: { nextDueAt: at } });
  }
  const scheduledRuns = () => api.database.db.workflow.findMany({ where: { projectId, event: 'schedule' }, orderBy: { number: 'asc' } });

  it('plans of two pushes arriving together: the newer push\'s set stands, whichever is kept first', async () => {
    for (let round = 0; round < 4; round++) {
      const older = await run({ event: 'push', branch: 'main' });
      const newer = await run({ event: 'push', branch: 'main' });
      const olderSet = [{ ...nightly, name: `older-${round}` }];
      const newerSet = [{ ...nightly, name: `newer-${round}` }];
      const answers = await Promise.all(round % 2 === 0 ? [putPlan(older.headers, olderSet), putPlan(newer.headers, newerSet)] : [putPlan(newer.headers, newerSet), putPlan(older.headers, olderSet)]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
      const kept = await list();
      expect(kept.source?.number).toBe(newer.number);
      expect(kept.schedules.map((s) => s.name)).toEqual([`newer-${round}`]);
    }
  });

  it('a due time starts exactly one run, whichever of two schedulers gets there first; it is queued and its agent sees event schedule', async () => {
    const now = new Date();
    const due = new Date(now.getTime() - 60_000);
    await scheduled([{ ...nightly, cron: '* * * * *' }], { nightly: due });
    const before = await scheduledRuns();
    const outcomes = (await Promise.all([fireDueSchedules(deps, now), fireDueSchedules(deps, now)])).flat();
    const started = outcomes.flatMap((o) => ('started' in o ? [o.started] : []));
    expect(started).toHaveLength(1);
    expect(outcomes.filter((o) => 'taken' in o).length + started.length).toBe(outcomes.length);
    const runs = (await scheduledRuns()).slice(before.length);
    expect(runs).toHaveLength(1);
    const [created] = runs;
    const latestMinute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    expect(created).toMatchObject({ id: started[0], event: 'schedule', ref: 'refs/heads/main', branch: 'main', sha: mainSha, trusted: true, status: 'queued', schedule: 'nightly', scheduledFor: latestMinute });
    expect((await api.jobs.getJob(created?.id ?? ''))?.data).toEqual({ workflowId: created?.id });

    const [listed] = (await list()).schedules;
    expect(listed).toMatchObject({ last_due_at: latestMinute.toISOString(), last_run: { id: created?.id, number: created?.number, status: 'queued' }, last_error: null });
    expect(new Date(listed?.next_due_at ?? '').getTime()).toBe(latestMinute.getTime() + 60_000);
    expect(await fireDueSchedules(deps, now)).toEqual([]); // nothing is due again before the next minute

    const headers = { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), created?.id ?? '', 600)}` };
    const info = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers });
    expect(info.json()).toMatchObject({ workflow: { event: 'schedule', branch: 'main', sha: mainSha, trusted: true, schedule: 'nightly' }, configSha: mainSha });
    const workflow = await api.app.inject({ method: 'GET', url: `/workflow?id=${created?.id}`, headers: adminHeaders });
    expect(workflow.json()).toMatchObject({ event: 'schedule', schedule: 'nightly', scheduled_for: latestMinute.toISOString() });

    // a re-run names the schedule but runs for no due time of it
    await api.database.db.workflow.update({ where: { id: created?.id ?? '' }, data: { status: 'success' } });
    const rerun = await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${created?.id}`, headers: adminHeaders });
    expect(rerun.json()).toMatchObject({ event: 'schedule', schedule: 'nightly', scheduled_for: null });
  });

  it('after downtime, one run for the latest missed due time; a branch that is gone is recorded and passed', async () => {
    const now = new Date();
    await scheduled([nightly, { ...hourly, branch: 'gone' }], { nightly: new Date(now.getTime() - 3 * 86_400_000), hourly: new Date(now.getTime() - 1000) });
    const before = await scheduledRuns();
    const outcomes = await fireDueSchedules(deps, now);
    // the longest overdue first
    expect(outcomes).toEqual([{ started: expect.any(String) }, { noRun: 'branch "gone" does not exist' }]);
    const runs = (await scheduledRuns()).slice(before.length);
    expect(runs).toHaveLength(1);
    const latest3am = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3));
    if (latest3am > now) latest3am.setUTCDate(latest3am.getUTCDate() - 1);
    expect(runs[0]?.scheduledFor).toEqual(latest3am);
    const byName = Object.fromEntries((await list()).schedules.map((s) => [s.name, s]));
    expect(byName.hourly).toMatchObject({ last_run: null, last_error: 'branch "gone" does not exist' });
    expect(new Date(byName.hourly?.next_due_at ?? '').getTime()).toBeGreaterThan(now.getTime());
    expect(new Date(byName.nightly?.next_due_at ?? '').getTime()).toBe(latest3am.getTime() + 86_400_000);
  });

  it('a due time that already has its run (the schedule was replaced meanwhile) starts no second one', async () => {
    const now = new Date();
    const due = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    await scheduled([{ ...nightly, name: 'minutely', cron: '* * * * *' }], { minutely: due });
    const number = (await takeRunNumber(api.database.db, projectId)) as number;
    await api.database.db.workflow.create({
      data: { projectId, number, event: 'schedule', ref: 'refs/heads/main', sha: mainSha, branch: 'main', status: 'queued', schedule: 'minutely', scheduledFor: due },
    });
    const before = await scheduledRuns();
    expect(await fireDueSchedules(deps, now)).toEqual([{ taken: true }]);
    expect(await scheduledRuns()).toHaveLength(before.length);
  });
});
