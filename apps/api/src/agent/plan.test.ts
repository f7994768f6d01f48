import type { PlanBody } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { planRows, REUSED_REASON } from './plan.js';

const ids = () => {
  let n = 0;
  return () => `id${++n}`;
};

const plan: PlanBody = {
  pipelines: [
    {
      name: 'build',
      position: 0,
      dependsOn: [],
      stages: [{ name: 'test', position: 0, executions: [{ name: 'unit', position: 0, command: 'npm test', secrets: ['NPM_TOKEN'], allowFailure: false }] }],
    },
    { name: 'deploy', position: 2, dependsOn: ['build', 'lint'], stages: [{ name: 'ship', position: 0, executions: [{ name: 'helm', position: 0, command: './deploy.sh', secrets: [], allowFailure: true }] }] },
  ],
  reused: [{ name: 'lint', position: 1, dependsOn: [] }],
  skipped: [
    { name: 'docs', reason: 'filter', message: 'no docs changed' },
    { name: 'nightly', reason: 'when', message: 'not a schedule' },
  ],
  cancelSuperseded: false,
  schedules: [],
};

describe('planRows (a plan as the rows that record it)', () => {
  it('gives each node an id, records the reused pipeline it stands for, and puts the skipped ones after the others', () => {
    expect(planRows(plan, new Map([['lint', 'old-lint']]), ids())).toEqual({
      pipelines: [
        { id: 'id1', name: 'build', position: 0, dependsOn: [], status: 'pending', reason: null, reusedFrom: null },
        { id: 'id4', name: 'deploy', position: 2, dependsOn: ['build', 'lint'], status: 'pending', reason: null, reusedFrom: null },
        { id: 'id7', name: 'lint', position: 1, dependsOn: [], status: 'reused', reason: REUSED_REASON, reusedFrom: 'old-lint' },
        { id: 'id8', name: 'docs', position: 3, dependsOn: [], status: 'skipped', reason: 'filter: no docs changed', reusedFrom: null },
        { id: 'id9', name: 'nightly', position: 4, dependsOn: [], status: 'skipped', reason: 'when: not a schedule', reusedFrom: null },
      ],
      stages: [
        { id: 'id2', pipelineId: 'id1', name: 'test', position: 0 },
        { id: 'id5', pipelineId: 'id4', name: 'ship', position: 0 },
      ],
      executions: [
        { id: 'id3', stageId: 'id2', name: 'unit', position: 0, command: 'npm test', allowFailure: false, secrets: ['NPM_TOKEN'] },
        { id: 'id6', stageId: 'id5', name: 'helm', position: 0, command: './deploy.sh', allowFailure: true, secrets: null },
      ],
    });
  });

  it('refuses a reused pipeline the workflow does not reuse', () => {
    expect(() => planRows(plan, new Map([['build', 'old-build']]), ids(), 'wf-1')).toThrow(ConflictError);
    expect(() => planRows(plan, new Map(), ids(), 'wf-1')).toThrow('pipeline "lint" is not one that workflow wf-1 reuses');
  });
});
