import { describe, expect, it } from 'vitest';
import { applySnapshot, applyStatus, mergeRead } from './apply-status';
import { execution, pipeline, run } from './fixtures';

const tree = run([pipeline('build', [execution('e1'), execution('e2')]), pipeline('test', [execution('e3')], { depends_on: ['build'] })]);

describe('applyStatus', () => {
  it('sets an execution\'s status, reason, exit code and times as the event says, leaving the rest as it was', () => {
    const next = applyStatus(tree, { kind: 'execution', id: 'e2', name: 'e2', status: 'failure', reason: 'exit 3', exit_code: 3, started_at: '2026-01-01T00:00:02.000Z', finished_at: '2026-01-01T00:00:05.000Z' });
    expect(next?.pipelines[0]?.stages[0]?.executions[1]).toMatchObject({ status: 'failure', reason: 'exit 3', exit_code: 3, started_at: '2026-01-01T00:00:02.000Z', finished_at: '2026-01-01T00:00:05.000Z' });
    expect(next?.pipelines[0]?.stages[0]?.executions[0]).toBe(tree.pipelines[0]?.stages[0]?.executions[0]);
    expect(next?.pipelines[1]?.stages[0]?.executions[0]).toEqual(tree.pipelines[1]?.stages[0]?.executions[0]);
    expect(tree.pipelines[0]?.stages[0]?.executions[1]?.status).toBe('pending');
  });

  it("an execution's earlier attempts come with its events, as they happen", () => {
    const attempt = { attempt: 1, status: 'failure' as const, exit_code: 1, reason: 'exit code 1', started_at: '2026-01-01T00:00:02.000Z', finished_at: '2026-01-01T00:00:03.000Z', log_seq: 4 };
    const retrying = applyStatus(tree, { kind: 'execution', id: 'e1', name: 'e1', status: 'running', started_at: '2026-01-01T00:00:03.500Z', attempts: [attempt] });
    expect(retrying?.pipelines[0]?.stages[0]?.executions[0]).toMatchObject({ status: 'running', attempts: [attempt] });
    expect(applyStatus(tree, { kind: 'execution', id: 'e1', name: 'e1', status: 'running' })?.pipelines[0]?.stages[0]?.executions[0]?.attempts).toEqual([]);
  });

  it('an absent field is not set: a reason that went away is cleared', () => {
    const failed = applyStatus(tree, { kind: 'pipeline', id: 'p-test', name: 'test', status: 'skipped', reason: 'build failed' });
    expect(failed?.pipelines[1]).toMatchObject({ status: 'skipped', reason: 'build failed' });
    expect(applyStatus(failed!, { kind: 'pipeline', id: 'p-test', name: 'test', status: 'running', started_at: '2026-01-01T00:00:09.000Z' })?.pipelines[1]).toMatchObject({ status: 'running', reason: null, started_at: '2026-01-01T00:00:09.000Z' });
  });

  it('updates the workflow\'s status, reason and times, and a stage\'s', () => {
    const ended = applyStatus(tree, { kind: 'workflow', id: 'w', status: 'failure', reason: 'invalid configuration (1):\n.factory/a.hcl:1:2: bad', started_at: '2026-01-01T00:00:01.000Z', finished_at: '2026-01-01T00:01:00.000Z' });
    expect(ended).toMatchObject({ status: 'failure', status_reason: 'invalid configuration (1):\n.factory/a.hcl:1:2: bad', finished_at: '2026-01-01T00:01:00.000Z' });
    expect(applyStatus(tree, { kind: 'stage', id: 's-build', name: 'stage', status: 'running' })?.pipelines[0]?.stages[0]?.status).toBe('running');
  });

  it('is null for a node the tree does not hold (the page reads the tree again)', () => {
    expect(applyStatus(tree, { kind: 'pipeline', id: 'p-new', name: 'new', status: 'pending' })).toBeNull();
    expect(applyStatus(tree, { kind: 'execution', id: 'nope', status: 'running' })).toBeNull();
    expect(applyStatus(tree, { kind: 'workflow', id: 'other', status: 'running' })).toBeNull();
  });
});

describe('applySnapshot', () => {
  it('applies every node, or is null when one is unknown', () => {
    const next = applySnapshot(tree, [
      { kind: 'workflow', id: 'w', status: 'success' },
      { kind: 'execution', id: 'e3', name: 'e3', status: 'success', exit_code: 0 },
    ]);
    expect(next).toMatchObject({ status: 'success' });
    expect(next?.pipelines[1]?.stages[0]?.executions[0]).toMatchObject({ status: 'success', exit_code: 0 });
    expect(applySnapshot(tree, [{ kind: 'workflow', id: 'w', status: 'running' }, { kind: 'stage', id: 'new', status: 'pending' }])).toBeNull();
  });
});

describe('mergeRead', () => {
  // a re-run's page: read before the plan (no pipelines); the plan's events name nodes it does not hold, so it reads
  // the tree again; that read is taken while the run goes on, and answers only after the run's last events
  const planned = run([pipeline('build', [execution('e1')], { status: 'reused' }), pipeline('broken', [execution('e2')], { depends_on: ['build'] })]);
  const readWhileRunning = {
    ...planned,
    pipelines: planned.pipelines.map((p) => (p.id === 'p-broken' ? { ...p, status: 'running' as const, stages: p.stages.map((s) => ({ ...s, status: 'running' as const, executions: s.executions.map((e) => ({ ...e, status: 'running' as const })) })) } : p)),
  };
  const ended = applySnapshot(planned, [
    { kind: 'execution', id: 'e2', name: 'e2', status: 'failure', reason: 'exit code 3', exit_code: 3, finished_at: '2026-01-01T00:00:05.000Z' },
    { kind: 'stage', id: 's-broken', name: 'stage', status: 'failure', finished_at: '2026-01-01T00:00:05.000Z' },
    { kind: 'pipeline', id: 'p-broken', name: 'broken', status: 'failure', reason: 'stage "stage" failed', finished_at: '2026-01-01T00:00:05.000Z' },
    { kind: 'workflow', id: 'w', status: 'failure', reason: 'pipeline "broken" failed', started_at: '2026-01-01T00:00:01.000Z', finished_at: '2026-01-01T00:00:06.000Z' },
  ])!;

  it("a read taken before the run's last events, answering after them, does not take them back (the stream has ended)", () => {
    const shown = mergeRead(ended, readWhileRunning);
    expect(shown).toMatchObject({ status: 'failure', status_reason: 'pipeline "broken" failed', finished_at: '2026-01-01T00:00:06.000Z' });
    expect(shown.pipelines[1]).toMatchObject({ status: 'failure', reason: 'stage "stage" failed', finished_at: '2026-01-01T00:00:05.000Z' });
    expect(shown.pipelines[1]?.stages[0]).toMatchObject({ status: 'failure' });
    expect(shown.pipelines[1]?.stages[0]?.executions[0]).toMatchObject({ status: 'failure', exit_code: 3, reason: 'exit code 3' });
    expect(shown.pipelines[0]?.status).toBe('reused');
  });

  it('takes what the read says of the nodes it holds further along, and the rest of the run as read', () => {
    expect(mergeRead(planned, readWhileRunning)).toEqual(readWhileRunning);
    const approved = { ...ended, approved_by: 'ada', pipelines: ended.pipelines.map((p) => ({ ...p, status: 'failure' as const })) };
    expect(mergeRead(ended, approved)).toEqual(approved);
    // a node the events left open keeps no event's word over the read's (open statuses can be left, and come back: a retry)
    expect(mergeRead(applyStatus(planned, { kind: 'workflow', id: 'w', status: 'running' })!, { ...planned, status: 'provisioning' }).status).toBe('provisioning');
  });

  it('keeps the tree shown when the read lacks a node it holds (read before the plan, answering after a later read)', () => {
    const beforePlan = run([]);
    expect(mergeRead(ended, beforePlan)).toBe(ended);
    expect(mergeRead(beforePlan, planned)).toEqual(planned);
  });

  it('is the read when nothing is shown yet, or another run is', () => {
    expect(mergeRead(undefined, readWhileRunning)).toBe(readWhileRunning);
    expect(mergeRead({ ...ended, id: 'other' }, readWhileRunning)).toBe(readWhileRunning);
  });
});
