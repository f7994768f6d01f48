import { describe, expect, it } from 'vitest';
import type { Workflow } from '../api/types';
import { firstLine, matches, mergeWorkflow, PAGE_SIZE, parseInputs, queryOfView, runTarget, viewOfQuery, whoStarted, type RunListView } from './run-list';

/** The runs page's decisions as data: the URL query, the filters, merging live changes, and how runs are described. */
const workflow = (number: number, over: Partial<Workflow> = {}): Workflow =>
  ({
    id: `w${number}`,
    number,
    event: 'push',
    branch: 'main',
    status: 'queued',
    pr_number: null,
    tag: null,
    ref: 'refs/heads/main',
    sender: 'octocat',
    requested_by: null,
    ...over,
  }) as Workflow;
const numbersOf = (list: Workflow[]) => list.map((w) => w.number);
const page1: RunListView = { filters: {}, page: 1 };

describe('the view in the URL query', () => {
  it.each([
    [{}, { filters: {}, page: 1 }, ''],
    [{ branch: ' feature/x ', event: 'pull_request', status: 'failure', page: '3' }, { filters: { branch: 'feature/x', event: 'pull_request', status: 'failure' }, page: 3 }, '?branch=feature%2Fx&event=pull_request&status=failure&page=3'],
    [{ event: 'deploy', status: 'done', page: '-2', branch: '' }, { filters: {}, page: 1 }, ''],
    [{ page: '1.5' }, { filters: {}, page: 1 }, ''],
  ])('%j → %j → %s', (query, view, back) => {
    expect(viewOfQuery(query)).toEqual(view);
    expect(queryOfView(viewOfQuery(query))).toBe(back);
  });
});

describe('matches', () => {
  it('keeps what every given filter allows', () => {
    const w = workflow(1, { branch: 'main', event: 'push', status: 'running' });
    expect(matches(w, {})).toBe(true);
    expect(matches(w, { branch: 'main', event: 'push', status: 'running' })).toBe(true);
    expect(matches(w, { branch: 'dev' })).toBe(false);
    expect(matches(w, { event: 'tag' })).toBe(false);
    expect(matches(w, { status: 'success' })).toBe(false);
  });
});

describe('mergeWorkflow: a live change into the page shown', () => {
  const shown = [workflow(5), workflow(4), workflow(2)];
  it('a new run appears at the top of page 1', () => {
    expect(numbersOf(mergeWorkflow(shown, workflow(6), page1))).toEqual([6, 5, 4, 2]);
  });
  it('a change replaces the run where it is', () => {
    const merged = mergeWorkflow(shown, workflow(4, { status: 'success' }), page1);
    expect(merged.map((w) => [w.number, w.status])).toEqual([[5, 'queued'], [4, 'success'], [2, 'queued']]);
  });
  it('a run that no longer matches the filters leaves; one that now matches comes in at its place', () => {
    const running: RunListView = { filters: { status: 'queued' }, page: 1 };
    expect(numbersOf(mergeWorkflow(shown, workflow(4, { status: 'success' }), running))).toEqual([5, 2]);
    expect(numbersOf(mergeWorkflow(shown, workflow(3), running))).toEqual([5, 4, 3, 2]);
  });
  it('a new run of another branch stays out of a branch filter', () => {
    expect(numbersOf(mergeWorkflow(shown, workflow(6, { branch: 'dev' }), { filters: { branch: 'main' }, page: 1 }))).toEqual([5, 4, 2]);
  });
  it('a full page 1 sheds its oldest; a run older than a full page is not shown', () => {
    const full = Array.from({ length: PAGE_SIZE }, (_, i) => workflow(100 - i));
    const merged = mergeWorkflow(full, workflow(101), page1);
    expect(merged).toHaveLength(PAGE_SIZE);
    expect(merged[0]?.number).toBe(101);
    expect(merged.at(-1)?.number).toBe(100 - PAGE_SIZE + 2);
    expect(mergeWorkflow(full, workflow(10), page1)).toEqual(full);
  });
  it('a later page takes no run newer than its newest (it belongs to an earlier page)', () => {
    const page2: RunListView = { filters: {}, page: 2 };
    expect(numbersOf(mergeWorkflow(shown, workflow(9), page2))).toEqual([5, 4, 2]);
    expect(numbersOf(mergeWorkflow(shown, workflow(3), page2))).toEqual([5, 4, 3, 2]);
    expect(mergeWorkflow([], workflow(3), page2)).toEqual([]);
  });
});

describe('how a run is described', () => {
  it('firstLine', () => {
    expect(firstLine('Fix the build\n\nbecause')).toBe('Fix the build');
    expect(firstLine('')).toBeNull();
    expect(firstLine(null)).toBeNull();
  });
  it.each([
    [{ requested_by: 'user:mona', sender: 'octocat' }, 'mona'],
    [{ requested_by: 'github:hubot', sender: 'octocat' }, 'hubot'],
    [{ requested_by: 'admin', sender: null }, 'administrator'],
    [{ requested_by: null, sender: 'octocat' }, 'octocat'],
    [{ requested_by: null, sender: null }, null],
  ])('whoStarted %j = %s', (w, who) => {
    expect(whoStarted(w)).toBe(who);
  });
  it('runTarget: the pull request, the tag or the branch', () => {
    expect(runTarget({ pr_number: 7, tag: null, branch: 'main', ref: 'refs/pull/7/head' })).toBe('#7');
    expect(runTarget({ pr_number: null, tag: 'v1.0', branch: null, ref: 'refs/tags/v1.0' })).toBe('v1.0');
    expect(runTarget({ pr_number: null, tag: null, branch: 'main', ref: 'refs/heads/main' })).toBe('main');
  });
});

describe('parseInputs', () => {
  it.each([
    ['', { inputs: {} }],
    ['TARGET=staging\n\nNOTE=a=b \r\nEMPTY=', { inputs: { TARGET: 'staging', NOTE: 'a=b ', EMPTY: '' } }],
    ['TARGET', { error: 'Line 1 is not NAME=value.' }],
    ['A=1\n=2', { error: 'Line 2 is not NAME=value.' }],
    ['A=1\nA=2', { error: 'A is given twice.' }],
  ])('%j', (text, parsed) => {
    expect(parseInputs(text)).toEqual(parsed);
  });
});
