import { FINAL_WORKFLOW_STATUSES } from '@factoryci/run-state';
import { describe, expect, it } from 'vitest';
import { freshPlanScript, type PlanRows } from './fresh-plan.js';

const rows: PlanRows = {
  pipelines: [
    { id: 'p1', name: 'build', position: 0, dependsOn: [], status: 'pending', reason: null, reusedFrom: null },
    { id: 'p2', name: 'docs', position: 1, dependsOn: [], status: 'skipped', reason: 'filter: no', reusedFrom: null },
  ],
  stages: [{ id: 's1', pipelineId: 'p1', name: 'test', position: 0 }],
  executions: [
    { id: 'e1', stageId: 's1', name: 'unit', position: 0, command: 'npm test', allowFailure: false, secrets: ['NPM_TOKEN'] },
    { id: 'e2', stageId: 's1', name: 'lint', position: 1, command: 'npm run lint', allowFailure: true, secrets: null },
  ],
};

const placeholders = (sql: string) => sql.split('?').length - 1;

describe('freshPlanScript (a new plan in one round trip, as data)', () => {
  const script = freshPlanScript('wf', rows);
  const statements = script.sql.split(';\n');

  it('locks the workflow row, checks, inserts pipelines, stages, executions in that order, commits, then reads the check back', () => {
    expect(statements.map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual([
      'START TRANSACTION',
      'SELECT `status`, `reused_pipelines`,',
      'SET @factory_plan_ok =',
      'INSERT INTO `pipelines`',
      'INSERT INTO `stages`',
      'INSERT INTO `executions`',
      'COMMIT',
      'SELECT @factory_plan_ok AS',
    ]);
    expect(statements[script.statements.locked]).toMatch(/FROM `workflows` WHERE `id` = \? FOR UPDATE$/);
    expect(script.statements).toEqual({ locked: 1, answer: 7 });
  });

  it('writes nothing unless the run is live and has no pipeline yet', () => {
    expect(statements[2]).toContain(`\`status\` NOT IN (${FINAL_WORKFLOW_STATUSES.map(() => '?').join(', ')})`);
    expect(statements[2]).toContain('NOT EXISTS (SELECT 1 FROM `pipelines` WHERE `workflow_id` = ?)');
    for (const insert of statements.slice(3, 6)) expect(insert).toMatch(/ WHERE @factory_plan_ok$/);
  });

  it('passes every value as a placeholder, in statement order: ids, names, JSON as text, booleans', () => {
    expect(script.values).toHaveLength(placeholders(script.sql));
    expect(script.values).toEqual([
      'wf',
      'wf', ...FINAL_WORKFLOW_STATUSES, 'wf',
      'p1', 'wf', 'build', 0, '[]', 'pending', null, null,
      'p2', 'wf', 'docs', 1, '[]', 'skipped', 'filter: no', null,
      's1', 'p1', 'test', 0,
      'e1', 's1', 'unit', 0, 'npm test', false, '["NPM_TOKEN"]',
      'e2', 's1', 'lint', 1, 'npm run lint', true, null,
      'wf',
    ]);
    expect(statements[3]).toContain('SELECT ? AS `id`, ? AS `workflow_id`');
    expect(statements[3]?.split(' UNION ALL ')).toHaveLength(2);
  });

  it('leaves out the INSERT of a level without rows (a plan of skipped pipelines only, or none at all)', () => {
    const skippedOnly = freshPlanScript('wf', { pipelines: rows.pipelines.slice(1), stages: [], executions: [] });
    expect(skippedOnly.sql.split(';\n').filter((s) => s.startsWith('INSERT'))).toEqual([expect.stringContaining('INSERT INTO `pipelines`')]);
    expect(skippedOnly.statements).toEqual({ locked: 1, answer: 5 });
    const empty = freshPlanScript('wf', { pipelines: [], stages: [], executions: [] });
    expect(empty.sql).not.toContain('INSERT');
    expect(empty.values).toHaveLength(placeholders(empty.sql));
  });
});
