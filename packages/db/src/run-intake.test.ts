import { describe, expect, it } from 'vitest';
import { freshRunsScript, type FreshRun } from './run-intake.js';

const run = (deliveryId: string, projectId: string): FreshRun => ({
  workflow: {
    id: `wf-${deliveryId}`,
    projectId,
    event: 'push',
    action: null,
    ref: 'refs/heads/main',
    sha: 'c'.repeat(40),
    branch: 'main',
    tag: null,
    prNumber: null,
    baseSha: null,
    headRepoFullName: null,
    trusted: true,
    repositoryPrivate: false,
    sender: 'octocat',
    commitMessage: 'm',
    commitAuthor: 'octocat',
    changedPaths: null,
    status: 'queued',
  },
  delivery: { id: deliveryId, event: 'push', action: null, projectId, workflowId: `wf-${deliveryId}`, status: 202 },
});

describe('freshRunsScript (the one-trip intake, as data)', () => {
  const script = freshRunsScript([run('d1', 'A'), run('d2', 'B'), run('d3', 'A')]);
  const statements = script.sql.split(';\n');

  it('reads the seen deliveries first, then takes each project its count of numbers, then one transaction of two inserts', () => {
    expect(statements.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'SELECT d.id',
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
      { projectId: 'A', count: 2, statement: 2 },
      { projectId: 'B', count: 1, statement: 4 },
    ]);
  });

  it('numbers the workflows from their project\'s first number in order, and writes nothing unless every check passed', () => {
    const insert = statements[7] as string;
    expect(insert.match(/@factory_intake_n\d \+ \d/g)).toEqual(['@factory_intake_n0 + 0', '@factory_intake_n1 + 0', '@factory_intake_n0 + 1']);
    expect(insert).toMatch(/WHERE @factory_intake_ok$/);
    expect(statements[8]).toMatch(/^INSERT INTO `webhook_deliveries` .* WHERE @factory_intake_ok$/);
    expect(statements[2]).toMatch(/AND @factory_intake_ok$/);
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
