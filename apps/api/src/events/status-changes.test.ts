import { describe, expect, it } from 'vitest';
import { statusEventSchema } from '../schemas.js';
import { changesSince, statusPayloads, type RunTreeRow } from './status-changes.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const tree = (over: { execution?: Partial<RunTreeRow['pipelines'][0]['stages'][0]['executions'][0]>; workflow?: Partial<RunTreeRow> } = {}): RunTreeRow => ({
  id: 'w',
  status: 'running',
  statusReason: null,
  startedAt: at(1),
  finishedAt: null,
  ...over.workflow,
  pipelines: [
    {
      id: 'p',
      name: 'build',
      status: 'running',
      reason: null,
      startedAt: at(2),
      finishedAt: null,
      stages: [
        {
          id: 's',
          name: 'test',
          status: 'pending',
          startedAt: null,
          finishedAt: null,
          executions: [{ id: 'e', name: 'unit', status: 'pending', reason: null, exitCode: null, startedAt: null, finishedAt: null, ...over.execution }],
        },
      ],
    },
  ],
});

describe('statusPayloads', () => {
  it('are what the StatusEvent schema (the UI\'s type) says, with and without what is not set', () => {
    const ended = tree({ workflow: { status: 'failure', statusReason: 'boom', finishedAt: at(9) }, execution: { status: 'failure', reason: 'exit 2', exitCode: 2, startedAt: at(3), finishedAt: at(4) } });
    const properties: Record<string, { type: string; enum?: readonly string[] }> = statusEventSchema.properties;
    const typeOf = (value: unknown) => (Number.isInteger(value) ? 'integer' : typeof value);
    for (const payload of [...statusPayloads(tree()), ...statusPayloads(ended)]) {
      for (const key of statusEventSchema.required) expect(payload).toHaveProperty(key);
      for (const [key, value] of Object.entries(payload)) {
        expect(properties[key]?.type, `${key} of ${JSON.stringify(payload)}`).toBe(typeOf(value));
        if (properties[key]?.enum) expect(properties[key].enum).toContain(value);
      }
    }
    expect(statusPayloads(ended).find((p) => p.kind === 'execution')).toMatchObject({ reason: 'exit 2', exit_code: 2 });
  });

  it('lists the workflow, then each pipeline, its stages and their executions, leaving out what is not set', () => {
    expect(statusPayloads(tree())).toEqual([
      { kind: 'workflow', id: 'w', status: 'running', started_at: '2026-01-01T00:00:01.000Z' },
      { kind: 'pipeline', id: 'p', name: 'build', status: 'running', started_at: '2026-01-01T00:00:02.000Z' },
      { kind: 'stage', id: 's', name: 'test', status: 'pending' },
      { kind: 'execution', id: 'e', name: 'unit', status: 'pending' },
    ]);
  });

  it('carries an execution\'s exit code (also 0), its reason and its times', () => {
    const [, , , execution] = statusPayloads(tree({ execution: { status: 'failure', exitCode: 0, reason: 'r', startedAt: at(3), finishedAt: at(4) } }));
    expect(execution).toEqual({
      kind: 'execution',
      id: 'e',
      name: 'unit',
      status: 'failure',
      reason: 'r',
      exit_code: 0,
      started_at: '2026-01-01T00:00:03.000Z',
      finished_at: '2026-01-01T00:00:04.000Z',
    });
  });

  it("carries an execution's earlier attempts when it has any, so a retry is an event", () => {
    const recorded = [{ attempt: 1, status: 'failure', exitCode: 3, reason: 'exit code 3', startedAt: at(1).toISOString(), finishedAt: at(2).toISOString(), logSeq: 5 }];
    const [, , , execution] = statusPayloads(tree({ execution: { status: 'running', attempts: recorded, startedAt: at(3) } }));
    expect(execution?.attempts).toEqual([
      { attempt: 1, status: 'failure', exit_code: 3, reason: 'exit code 3', started_at: at(1).toISOString(), finished_at: at(2).toISOString(), log_seq: 5 },
    ]);
    const before = tree({ execution: { status: 'running', startedAt: at(1) } });
    expect(changesSince(statusPayloads(before), statusPayloads(tree({ execution: { status: 'running', attempts: recorded, startedAt: at(1) } }))).map((p) => p.id)).toEqual(['e']);
  });
});

describe('changesSince', () => {
  const cases: { name: string; previous: RunTreeRow; current: RunTreeRow; changed: string[] }[] = [
    { name: 'nothing changed', previous: tree(), current: tree(), changed: [] },
    { name: 'a status', previous: tree(), current: tree({ execution: { status: 'running' } }), changed: ['e'] },
    { name: 'only a time', previous: tree(), current: tree({ execution: { startedAt: at(9) } }), changed: ['e'] },
    { name: 'a reason', previous: tree(), current: tree({ workflow: { statusReason: 'why' } }), changed: ['w'] },
    {
      name: 'several, in tree order',
      previous: tree(),
      current: tree({ workflow: { status: 'success', finishedAt: at(5) }, execution: { status: 'skipped' } }),
      changed: ['w', 'e'],
    },
  ];
  it.each(cases)('$name', ({ previous, current, changed }) => {
    expect(changesSince(statusPayloads(previous), statusPayloads(current)).map((p) => p.id)).toEqual(changed);
  });

  it('counts an entry it has not sent as changed (a plan recorded after the snapshot, a new workflow)', () => {
    expect(changesSince([{ id: 'a', v: 1 }], [{ id: 'b', v: 1 }, { id: 'a', v: 1 }])).toEqual([{ id: 'b', v: 1 }]);
  });
});
