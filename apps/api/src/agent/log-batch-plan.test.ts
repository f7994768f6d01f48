import { truncationMarker } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { planLogBatch, type LogBatchInput } from './log-batch-plan.js';

const CAP = 10;
const marker = truncationMarker(CAP, 5);
const plan = (input: Partial<LogBatchInput> & Pick<LogBatchInput, 'chunks'>) =>
  planLogBatch({ target: 'open', storedBytes: 0, capBytes: CAP, nextSeq: input.chunks[0]?.seq ?? 0, stored: new Map(), ...input });
const chunks = (seq: number, ...data: string[]) => data.map((text, i) => ({ seq: seq + i, data: Buffer.from(text) }));
const rows = (seq: number, ...data: string[]) => data.map((text, i) => ({ seq: seq + i, data: Buffer.from(text), bytes: Buffer.byteLength(text) }));
const stored = (...entries: [number, string][]) => new Map(entries.map(([seq, text]) => [seq, Buffer.from(text)]));
const row = (seq: number, text: string) => ({ seq, data: Buffer.from(text), bytes: Buffer.byteLength(text) });

describe('planLogBatch: what storing a batch does, chunk by chunk', () => {
  it.each([
    ['new chunks within the cap are all stored, in seq order', { chunks: chunks(0, 'ab', 'cd', 'é') }, { kind: 'store', rows: rows(0, 'ab', 'cd', 'é'), truncated: false, duplicates: 0, refused: 0 }],
    ['the cap counts the batch\'s earlier rows: the chunk crossing it is cut, the next refused', { storedBytes: 4, chunks: chunks(2, 'abc', 'defg', 'hij') }, { kind: 'store', rows: [...rows(2, 'abc'), row(3, 'def')], truncated: true, duplicates: 0, refused: 1 }],
    ['the marker after the cut is taken, a chunk after it refused', { storedBytes: 8, chunks: chunks(5, 'abc', marker, 'x') }, { kind: 'store', rows: [row(5, 'ab'), ...rows(6, marker)], truncated: true, duplicates: 0, refused: 1 }],
    ['a chunk cut at the cap keeps whole characters (the bytes of é are not split)', { storedBytes: 8, chunks: chunks(4, 'aé') }, { kind: 'store', rows: rows(4, 'a'), truncated: true, duplicates: 0, refused: 0 }],
    ['a full log refuses every new chunk', { storedBytes: CAP, chunks: chunks(5, 'a', 'b') }, { kind: 'store', rows: [], truncated: false, duplicates: 0, refused: 2 }],
    ['a retried batch is all duplicates', { chunks: chunks(0, 'ab', 'cd'), stored: stored([0, 'ab'], [1, 'cd']), storedBytes: 4 }, { kind: 'store', rows: [], truncated: false, duplicates: 2, refused: 0 }],
    ['a batch overlapping stored chunks stores the new ones after them', { chunks: chunks(1, 'cd', 'ef'), stored: stored([1, 'cd']), storedBytes: 4 }, { kind: 'store', rows: rows(2, 'ef'), truncated: false, duplicates: 1, refused: 0 }],
    ['a retry of a chunk the API cut at the cap is a duplicate', { chunks: chunks(3, 'defg'), stored: stored([3, 'def']), storedBytes: CAP }, { kind: 'store', rows: [], truncated: false, duplicates: 1, refused: 0 }],
    ['other data for a stored seq is a conflict, whatever else the batch holds', { chunks: chunks(0, 'new', 'XX'), stored: stored([1, 'cd']) }, { kind: 'conflict', seq: 1 }],
    ['a longer chunk over a stored one is a conflict while the log is not full', { chunks: chunks(3, 'defg'), stored: stored([3, 'def']), storedBytes: 9 }, { kind: 'conflict', seq: 3 }],
    ['an ended execution takes retries only', { target: 'execution-ended', chunks: chunks(0, 'ab'), stored: stored([0, 'ab']) }, { kind: 'store', rows: [], truncated: false, duplicates: 1, refused: 0 }],
    ['an ended execution refuses a new chunk: nothing of the batch is stored', { target: 'execution-ended', chunks: chunks(0, 'ab', 'cd'), stored: stored([0, 'ab']) }, { kind: 'execution-ended', seq: 1 }],
    ['an ended run refuses a new chunk', { target: 'run-ended', chunks: chunks(4, 'ab') }, { kind: 'run-ended', seq: 4 }],
    ['a batch after a gap waits for the chunks before it', { nextSeq: 3, chunks: chunks(4, 'ab') }, { kind: 'early', nextSeq: 3 }],
    ['a batch right after the stored chunks, or overlapping them, is in order', { nextSeq: 4, storedBytes: 4, chunks: chunks(3, 'cd', 'ef'), stored: stored([3, 'cd']) }, { kind: 'store', rows: rows(4, 'ef'), truncated: false, duplicates: 1, refused: 0 }],
    ['a full log takes the marker after a gap (the chunks refused before it were never stored)', { nextSeq: 6, storedBytes: CAP, chunks: chunks(9, marker) }, { kind: 'store', rows: rows(9, marker), truncated: true, duplicates: 0, refused: 0 }],
    ['an ended execution answers a retry after a gap as a retry', { target: 'execution-ended', nextSeq: 0, chunks: chunks(4, 'ab'), stored: stored([4, 'ab']) }, { kind: 'store', rows: [], truncated: false, duplicates: 1, refused: 0 }],
  ] as const)('%s', (_name, input, expected) => {
    expect(plan({ ...input, chunks: [...input.chunks] })).toEqual(expected);
  });
});

describe('planLogBatch: a chunk that came deflated', () => {
  // (what the agent sent: the rule only passes it on, so any bytes stand for it here)
  const deflated = Buffer.from('DEFLATED');
  const came = (seq: number, text: string) => ({ seq, data: Buffer.from(text), deflated });

  it.each([
    ['is stored as it came when it is stored whole', { chunks: [came(0, 'abcd')] }, [{ ...row(0, 'abcd'), deflated }]],
    ['is stored as its head, plain, when cut at the cap', { storedBytes: 8, chunks: [came(4, 'abcd')] }, [row(4, 'ab')]],
    ['beside a plain one, each keeps its own form', { chunks: [came(0, 'ab'), ...chunks(1, 'cd')] }, [{ ...row(0, 'ab'), deflated }, row(1, 'cd')]],
  ] as const)('%s', (_name, input, expected) => {
    const planned = plan({ ...input, chunks: [...input.chunks] });
    expect(planned.kind === 'store' && planned.rows).toEqual(expected);
  });

  it('a retry is compared by its text (the stored chunk inflated), not by its bytes as sent', () => {
    expect(plan({ chunks: [came(0, 'ab')], stored: stored([0, 'ab']), storedBytes: 2 })).toMatchObject({ kind: 'store', rows: [], duplicates: 1 });
    expect(plan({ chunks: [came(0, 'ab')], stored: stored([0, 'xy']), storedBytes: 2 })).toEqual({ kind: 'conflict', seq: 0 });
  });
});
