import { createDb, type Db, type PlanWorkflow } from '@factoryci/db';
import { afterAll, describe, expect, it } from 'vitest';
import { keepSchedules } from './keep-schedules.js';

// a database nobody answers for: a query would fail
const unreachable: Db = createDb('mysql://root@127.0.0.1:1/factory?pool_timeout=0.3&connect_timeout=0.3');
afterAll(() => unreachable.$disconnect());

const workflow: PlanWorkflow = {
  id: 'wf',
  status: 'running',
  projectId: 'project',
  number: 7,
  sha: 'a'.repeat(40),
  event: 'push',
  branch: 'main',
  rerunOf: null,
  trusted: true,
  reusedPipelines: null,
  defaultBranch: 'main',
};
const nightly = { name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null };

describe('keepSchedules without a query', () => {
  it('decides from the workflow savePlan read: a run that is no schedule source asks the database nothing', async () => {
    expect(await keepSchedules(unreachable, { ...workflow, event: 'pull_request' }, [nightly])).toEqual({ refused: 'its event is pull_request, not push' });
    expect(await keepSchedules(unreachable, { ...workflow, branch: 'feature' }, [])).toEqual({ refused: 'it is not on the default branch "main"' });
    expect(await keepSchedules(unreachable, { ...workflow, rerunOf: 'older' }, [])).toEqual({ refused: 'it is a re-run (of an older commit, perhaps)' });
  });

  it('a push to the default branch does ask it', async () => {
    await expect(keepSchedules(unreachable, workflow, [nightly])).rejects.toThrow();
  });
});
