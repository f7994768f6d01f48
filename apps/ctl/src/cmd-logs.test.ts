import { describe, expect, it } from 'vitest';
import type { WorkflowTree } from './api-types.js';
import { palette } from './colors.js';
import { followText, logHeader, selectExecutions } from './cmd-logs.js';

const step = (id: string, status: string, started: boolean) => ({ id, name: id, status, started_at: started ? '2026-01-01T00:00:00.000Z' : null, finished_at: null });
const run = {
  pipelines: [
    {
      ...step('build', 'running', true), depends_on: [], reason: null,
      stages: [{ ...step('test', 'running', true), executions: [{ ...step('unit', 'failure', true), command: '', exit_code: 1, reason: null }, { ...step('lint', 'pending', false), command: '', exit_code: null, reason: null }] }],
    },
  ],
} as unknown as WorkflowTree;
const colors = palette(false);

describe('logs', () => {
  it('selects the started executions the filter names, in plan order', () => {
    expect(selectExecutions(run, {}).map((e) => e.execution)).toEqual(['unit']);
    expect(selectExecutions(run, { execution: 'lint' })).toEqual([]);
    expect(selectExecutions(run, { pipeline: 'build' })).toEqual([{ pipeline: 'build', stage: 'test', execution: 'unit', id: 'unit', status: 'failure', exit_code: 1 }]);
  });

  it('heads each log with its execution, status and exit code', () => {
    expect(logHeader(selectExecutions(run, {})[0]!, colors)).toBe('==> build/test/unit ✗ failure exit 1 <==\n');
  });

  it('--follow: lines to stdout, statuses and the end to stderr', () => {
    const path = { pipeline: 'build', stage: 'test', execution: 'unit' };
    expect(followText({ kind: 'line', path, text: 'hello' }, colors, 0)).toEqual({ stream: 'out', text: 'build/test/unit │ hello\n' });
    expect(
      followText(
        { kind: 'status', path: 'build/test/unit', node: { kind: 'execution', id: 'u', status: 'failure', exit_code: 2, started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.500Z', reason: 'timed out' } },
        colors,
        0,
      ),
    ).toEqual({ stream: 'err', text: 'build/test/unit: ✗ failure (exit 2, 1.5s, timed out)\n' });
    expect(followText({ kind: 'status', path: 'run', node: { kind: 'workflow', id: 'w', status: 'running' } }, colors, 0)).toEqual({ stream: 'err', text: 'run: ● running\n' });
    expect(followText({ kind: 'end', status: 'success' }, colors, 0)).toEqual({ stream: 'err', text: 'run ended: ✓ success\n' });
  });
});
