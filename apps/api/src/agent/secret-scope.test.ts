import { describe, expect, it } from 'vitest';
import { cloneTokenWanted, secretNamesForRun, secretPipelines } from './secret-scope.js';

const plan = [
  { pipeline: 'build', secrets: ['NPM_TOKEN'] },
  { pipeline: 'build', secrets: [] },
  { pipeline: 'deploy', secrets: ['DEPLOY_TOKEN', 'NPM_TOKEN'] },
  { pipeline: 'docs', secrets: ['DOCS_KEY'] },
  { pipeline: 'e2e (browser=chromium)', secrets: ['BROWSER_KEY'] },
  { pipeline: 'e2e (browser=firefox)', secrets: ['BROWSER_KEY', 'FIREFOX_KEY'] },
];

describe('secretPipelines', () => {
  it('lets every pipeline of a trusted run receive secrets, and only the listed ones of an untrusted run', () => {
    expect(secretPipelines(true, ['deploy'])).toBeNull();
    expect(secretPipelines(true, [])).toBeNull();
    expect(secretPipelines(false, ['deploy'])).toEqual(['deploy']);
    expect(secretPipelines(false, [])).toEqual([]);
  });
});

describe('secretNamesForRun', () => {
  it.each([
    ['a trusted run: what any execution declares', null, ['BROWSER_KEY', 'DEPLOY_TOKEN', 'DOCS_KEY', 'FIREFOX_KEY', 'NPM_TOKEN']],
    ['an untrusted run allowed the matrix pipeline "e2e": what its copies declare', ['e2e'], ['BROWSER_KEY', 'FIREFOX_KEY']],
    ['an untrusted run allowed one copy of it', ['e2e (browser=chromium)'], ['BROWSER_KEY']],
    ['an untrusted run allowed "deploy": what deploy declares only', ['deploy'], ['DEPLOY_TOKEN', 'NPM_TOKEN']],
    ['an untrusted run allowed "docs"', ['docs'], ['DOCS_KEY']],
    ['an untrusted run allowed a pipeline the plan does not have', ['release'], []],
    ['an untrusted run allowed nothing', [], []],
  ] as [string, string[] | null, string[]][])('%s', (_what, pipelines, names) => {
    expect(secretNamesForRun(pipelines, plan)).toEqual(names);
  });

  it('gives nothing when no plan is recorded or nothing is declared', () => {
    expect(secretNamesForRun(null, [])).toEqual([]);
    expect(secretNamesForRun(null, [{ pipeline: 'build', secrets: [] }])).toEqual([]);
  });
});

describe('cloneTokenWanted', () => {
  it.each([
    [true, true, true],
    [true, false, true],
    [true, null, true],
    [false, true, true],
    [false, null, true],
    [false, false, false],
  ] as [boolean, boolean | null, boolean][])('trusted %s, private %s: %s', (trusted, repositoryPrivate, wanted) => {
    expect(cloneTokenWanted({ trusted, repositoryPrivate })).toBe(wanted);
  });
});
