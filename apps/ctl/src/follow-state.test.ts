import { describe, expect, it } from 'vitest';
import { createFollower, reconnectDelay, type FollowOutput, type NodeStatus, type StreamEvent } from './follow-state.js';

const nodes = (overrides: Record<string, string> = {}): NodeStatus[] => [
  { kind: 'workflow', id: 'w', status: overrides.w ?? 'running' },
  { kind: 'pipeline', id: 'p1', name: 'build', status: overrides.p1 ?? 'running' },
  { kind: 'stage', id: 's1', name: 'test', status: overrides.s1 ?? 'running' },
  { kind: 'execution', id: 'unit', name: 'unit', status: overrides.unit ?? 'running' },
  { kind: 'execution', id: 'lint', name: 'lint', status: overrides.lint ?? 'pending' },
  { kind: 'pipeline', id: 'p2', name: 'docs', status: 'skipped', reason: 'filter: no' } as NodeStatus,
];
const snapshot = (id: string, overrides?: Record<string, string>): StreamEvent => ({ id, event: 'snapshot', data: JSON.stringify({ nodes: nodes(overrides) }) });
const log = (id: string, execution: string, data: string): StreamEvent => ({ id, event: 'log', data: JSON.stringify({ execution_id: execution, seq: 0, data, at: '' }) });
const status = (id: string, node: Partial<NodeStatus>): StreamEvent => ({ id, event: 'status', data: JSON.stringify(node) });
const end = (id: string, s: string): StreamEvent => ({ id, event: 'end', data: JSON.stringify({ status: s }) });

/** Outputs as short strings: "line build/test/unit: text", "status run running", "end failure". */
const short = (outputs: FollowOutput[]): string[] =>
  outputs.map((o) =>
    o.kind === 'line' ? `line ${o.path.pipeline}/${o.path.stage}/${o.path.execution}: ${o.text}` : o.kind === 'status' ? `status ${o.path} ${o.node.status}` : `end ${o.status}`,
  );

describe('following a run\'s events', () => {
  it('shows the started nodes of the first snapshot (not pending ones, nor stages), then whole lines per execution', () => {
    const follower = createFollower();
    expect(short(follower.apply(snapshot('0')))).toEqual(['status run running', 'status build running', 'status build/test/unit running', 'status docs skipped']);
    expect(follower.workflowStatus()).toBe('running');
    expect(follower.sawOutput()).toBe(false);
    expect(short(follower.apply(log('5', 'unit', 'one\ntw')))).toEqual(['line build/test/unit: one']);
    expect(short(follower.apply(log('6', 'lint', 'lint\r\n')))).toEqual(['line build/test/lint: lint']);
    expect(short(follower.apply(log('7', 'unit', 'o\nthree')))).toEqual(['line build/test/unit: two']);
    expect(follower.cursor()).toBe('7');
    expect(follower.sawOutput()).toBe(true);
    // an execution's end flushes its last line (its chunks come before its status in a stream)
    expect(short(follower.apply(status('7', { kind: 'execution', id: 'unit', name: 'unit', status: 'success', exit_code: 0 })))).toEqual([
      'line build/test/unit: three',
      'status build/test/unit success',
    ]);
    expect(short(follower.apply(end('7', 'success')))).toEqual(['end success']);
    expect(follower.ended()).toBe('success');
    expect(follower.apply(log('8', 'unit', 'late\n'))).toEqual([]);
  });

  it('resumes without doubling: chunks at or before the cursor are dropped, the new snapshot gives the changes missed', () => {
    const follower = createFollower();
    follower.apply(snapshot('0'));
    follower.apply(log('10', 'unit', 'a\n'));
    follower.apply(log('11', 'unit', 'b\npartial '));
    // reconnected with Last-Event-ID 11: a fresh snapshot (unit ended meanwhile), then the chunks after 11
    expect(follower.cursor()).toBe('11');
    expect(short(follower.apply(snapshot('11', { unit: 'failure', lint: 'running' })))).toEqual(['status build/test/unit failure', 'status build/test/lint running']);
    // a server that sent a chunk again would not have it printed twice
    expect(follower.apply(log('11', 'unit', 'b\npartial '))).toEqual([]);
    expect(follower.apply(log('9', 'unit', 'old\n'))).toEqual([]);
    // the snapshot did not flush the partial line: its end arrives after it
    expect(short(follower.apply(log('12', 'unit', 'line\n')))).toEqual(['line build/test/unit: partial line']);
    expect(follower.cursor()).toBe('12');
    // a status event carries the cursor too, and never moves it back
    follower.apply(status('12', { kind: 'workflow', id: 'w', status: 'failure' }));
    expect(follower.cursor()).toBe('12');
  });

  it('with a filter, prints only the selected executions and pipelines (and the run)', () => {
    const follower = createFollower({ execution: 'lint' });
    expect(short(follower.apply(snapshot('0', { lint: 'running' })))).toEqual(['status run running', 'status build/test/lint running']);
    expect(follower.apply(log('1', 'unit', 'unit\n'))).toEqual([]);
    expect(short(follower.apply(log('2', 'lint', 'lint\n')))).toEqual(['line build/test/lint: lint']);
    const byPipeline = createFollower({ pipeline: 'docs' });
    expect(short(byPipeline.apply(snapshot('0')))).toEqual(['status run running', 'status docs skipped']);
  });

  it('flushes every unfinished line at the end; a status of a node it never saw is ignored', () => {
    const follower = createFollower();
    follower.apply(snapshot('0'));
    follower.apply(log('1', 'unit', 'no newline'));
    expect(follower.apply(status('1', { kind: 'execution', id: 'other', status: 'running' }))).toEqual([]);
    expect(short(follower.apply(end('1', 'cancelled')))).toEqual(['line build/test/unit: no newline', 'end cancelled']);
  });

  it('waits 0.5 s before the first reconnection, doubling up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 10].map(reconnectDelay)).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });
});
