import { describe, expect, it } from 'vitest';
import { pushCommitFixture } from '../../run-state/src/push-commit.fixture.js';
import { freshRunsScript, freshRunsShape, type FreshRun } from './run-intake.js';

const run = (deliveryId: string, projectId: string, status: 'queued' | 'awaiting_approval' = 'queued'): FreshRun => ({
  workflow: {
    ...pushCommitFixture(),
    id: `wf-${deliveryId}`,
    projectId,
    repositoryPrivate: false,
    sender: 'octocat',
    status,
  },
  delivery: { id: deliveryId, event: 'push', action: null, projectId, workflowId: `wf-${deliveryId}`, status: 202 },
});

describe('freshRunsScript (the one-trip intake, as data)', () => {
  const script = freshRunsScript([run('d1', 'A'), run('d2', 'B'), run('d3', 'A')]);
  const statements = script.sql.split(';\n');

  it('checks that no delivery was seen and every project has its counter, takes each project its count of numbers, then one transaction of two inserts', () => {
    expect(statements.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'SET @factory_intake_ok',
      'UPDATE project_run_counters',
      'SET @factory_intake_ok',
      'UPDATE project_run_counters',
      'SET @factory_intake_ok',
      'START TRANSACTION',
      'INSERT INTO',
      'INSERT INTO',
      'COMMIT',
    ]);
    expect(script.projects).toEqual([
      { projectId: 'A', count: 2, statement: 1 },
      { projectId: 'B', count: 1, statement: 3 },
    ]);
  });

  it('numbers the workflows from their project\'s first number in order, and writes nothing unless every check passed', () => {
    const insert = statements[6] as string;
    expect(insert.match(/IFNULL\(@factory_intake_n\d, 0\) \+ \d/g)).toEqual(['IFNULL(@factory_intake_n0, 0) + 0', 'IFNULL(@factory_intake_n1, 0) + 0', 'IFNULL(@factory_intake_n0, 0) + 1']);
    // unless every check passed, each row names a project that does not exist: the INSERT fails, nothing is written
    expect(insert.match(/IF\(@factory_intake_ok, \?, '-'\)/g)).toHaveLength(3);
    expect(insert).toMatch(/^INSERT INTO `workflows` \(.*\) VALUES \(.*\), \(.*\), \(.*\)$/);
    expect(statements[7]).toMatch(/^INSERT INTO `webhook_deliveries` \(.*\) VALUES /);
    expect(statements[1]).toMatch(/AND @factory_intake_ok$/);
  });

  it('passes every value as a placeholder, one per ?', () => {
    expect(script.sql.split('?').length - 1).toBe(script.values.length);
    expect(script.values).toContain('d2');
    expect(script.sql).not.toContain('d2');
  });

  it('refuses an empty batch', () => {
    expect(() => freshRunsScript([])).toThrow(RangeError);
  });
});

describe('freshRunsShape and the kept script texts', () => {
  it('a batch\'s shape is its projects\' layout and statuses, not its values', () => {
    const shape = freshRunsShape([run('d1', 'A'), run('d2', 'B'), run('d3', 'A', 'awaiting_approval')]);
    expect(shape.slots).toEqual([0, 1, 0]);
    expect(shape.queued).toEqual([true, true, false]);
    expect(shape.projects).toEqual([{ projectId: 'A', count: 2 }, { projectId: 'B', count: 1 }]);
    expect(freshRunsShape([run('x1', 'P'), run('x2', 'Q'), run('x3', 'P', 'awaiting_approval')]).key).toBe(shape.key);
    expect(freshRunsShape([run('d1', 'A'), run('d3', 'A'), run('d2', 'B')]).key).not.toBe(shape.key);
    expect(freshRunsShape([run('d1', 'A'), run('d2', 'B'), run('d3', 'A')]).key).not.toBe(shape.key);
    expect(freshRunsShape([run('d1', 'A'), run('d2', 'B')]).key).not.toBe(shape.key);
  });

  it('batches of one shape share the text and differ in their values only', () => {
    const first = freshRunsScript([run('d1', 'A'), run('d2', 'A')]);
    const second = freshRunsScript([run('e1', 'B'), run('e2', 'B')]);
    expect(second.sql).toBe(first.sql);
    expect(second.values).toEqual(first.values.map((v) => (typeof v === 'string' ? v.replace(/^d/, 'e').replace(/^wf-d/, 'wf-e').replace(/^A$/, 'B') : v)));
    expect(second.projects).toEqual([{ projectId: 'B', count: 2, statement: 1 }]);
  });

  it('each shape gets its own text: numbering by project slot, enqueued_at by status, also after many shapes were kept', () => {
    // more shapes than are kept, so the early ones are built again
    for (let n = 1; n <= 300; n++) freshRunsScript(Array.from({ length: n }, (_, i) => run(`s${n}-${i}`, `P${i % 3}`)));
    const mixed = freshRunsScript([run('d1', 'A', 'awaiting_approval'), run('d2', 'B'), run('d3', 'A')]).sql.split(';\n');
    const insert = mixed[6] as string;
    expect(insert.match(/@factory_intake_n\d, 0\) \+ \d/g)).toEqual(['@factory_intake_n0, 0) + 0', '@factory_intake_n1, 0) + 0', '@factory_intake_n0, 0) + 1']);
    // each row's last two expressions: updated_at, then enqueued_at (NULL while awaiting approval)
    expect(insert.match(/NOW\(3\), (NOW\(3\)|NULL)\)/g)?.map((m) => m.endsWith('NULL)'))).toEqual([true, false, false]);
    const again = freshRunsScript([run('d1', 'A'), run('d2', 'B'), run('d3', 'A')]);
    expect(again.sql.split('?').length - 1).toBe(again.values.length);
    expect((again.sql.split(';\n')[6] as string).match(/NULL\)/g)).toBeNull();
  });
});
