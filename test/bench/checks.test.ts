import { describe, expect, it } from 'vitest';
import { checkOrderedOutput, oneJobEach } from '../../bench/checks.js';

const line = (i: number) => `${String(i).padStart(3, '0')} x\n`;
const all = (count: number) => Array.from({ length: count }, (_, i) => line(i)).join('');

async function* pagesOf(...pages: string[][]) {
  for (const page of pages) yield page;
}

describe('oneJobEach', () => {
  it.each([
    ['one Job each', ['a', 'b'], ['b', 'a'], []],
    ['a workflow without a Job', ['a', 'b'], ['a'], ['workflow b: 0 Jobs']],
    ['a workflow with two', ['a', 'b'], ['a', 'b', 'a'], ['workflow a: 2 Jobs']],
    ['a Job of no workflow', ['a'], ['a', 'z'], ['a Job of no queued workflow: z']],
  ])('%s', (_what, workflows, jobs, problems) => {
    expect(oneJobEach(workflows, jobs)).toEqual(problems);
  });
});

describe('checkOrderedOutput', () => {
  it('accepts the lines in order, however the chunks and pages cut them', async () => {
    const text = all(5);
    expect(await checkOrderedOutput(pagesOf([text.slice(0, 7), text.slice(7, 13)], [text.slice(13)]), 5, line)).toEqual({ ok: true, bytes: text.length });
  });

  it.each([
    ['two chunks swapped', [all(4).slice(12), all(4).slice(0, 12)], 0],
    ['a line missing', [line(0), line(2), line(3)], 1],
    ['a byte changed', [all(4).replace('002 x', '002 y')], 2],
    ['the last line missing', [all(3)], 3],
    ['a line too many', [all(5)], 4],
    ['an unfinished last line', [all(4), '004'], 4],
  ])('finds %s', async (_what, chunks, firstDifference) => {
    expect(await checkOrderedOutput(pagesOf(chunks), 4, line)).toMatchObject({ ok: false, firstDifference });
  });
});
