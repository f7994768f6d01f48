import type { EventName } from '@factoryci/run-state';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MIN_LOG_CAP_BYTES, runInfoSchema, validateRunInfo, validateRunSecrets, type RunInfo, type RunSecrets } from './index.js';
import { FIXTURE_SHA, runInfoFixture } from './run-info.fixture.js';

const SHA = FIXTURE_SHA;
const SECRET = 'deploy-s3cr3t-value-42';

const answer = runInfoFixture;

/** Removes a property (as a value in `changed`). */
const REMOVE = Symbol('remove');

/** The answer with properties (by dotted path) set to other values, or removed. */
function changed(edits: Record<string, unknown>): unknown {
  const info = structuredClone(answer()) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    const parent = keys.reduce((node, key) => node[key] as Record<string, unknown>, info);
    if (value === REMOVE) delete parent[last];
    else parent[last] = value;
  }
  return info;
}

function problemsOf(value: unknown): string[] {
  const checked = validateRunInfo(value);
  if (checked.ok) throw new Error('expected the answer to be refused');
  return checked.problems;
}

describe('GET /agent/v1/run answer (runInfoSchema)', () => {
  it('accepts what the API answers, as it is', () => {
    expect(validateRunInfo(answer())).toEqual({ ok: true, value: answer() });
    const push = changed({
      ...Object.fromEntries(
        Object.entries({ event: 'push', action: null, ref: 'refs/heads/main', prNumber: null, baseSha: null, headRepoFullName: null, trusted: true, changedPaths: null, commitMessage: null, commitAuthor: null }).map(
          ([key, value]) => [`workflow.${key}`, value],
        ),
      ),
      configSha: SHA,
      clone: { url: 'file:///srv/git/widgets', token: null, tokenExpiresAt: null },
      forkSecretPipelines: null,
    });
    expect(validateRunInfo(push)).toMatchObject({ ok: true });
    // the type is the schema's
    expectTypeOf<RunInfo['workflow']['event']>().toEqualTypeOf<EventName>();
    expectTypeOf<RunInfo['clone']['token']>().toEqualTypeOf<string | null>();
    expectTypeOf<RunInfo['forkSecretPipelines']>().toEqualTypeOf<string[] | null>();
  });

  it('drops properties it does not know (a newer API), at every level', () => {
    const newer = changed({ future: { x: 1 }, 'workflow.future': 'x', 'clone.depth': 1 });
    expect(validateRunInfo(newer)).toEqual({ ok: true, value: answer() });
  });

  // What the agent's hand-written check refused before, each named in the problem.
  it.each([
    ['no workflow', { workflow: REMOVE }, 'workflow is missing'],
    ['a workflow that is not an object', { workflow: 'wf' }, 'workflow must be an object'],
    ['a workflow without id', { 'workflow.id': REMOVE }, 'workflow.id is missing'],
    ['a workflow id that is not a string', { 'workflow.id': 7 }, 'workflow.id must be a string'],
    ['an unknown event', { 'workflow.event': 'release' }, 'workflow.event "release" is not one of push, pull_request, tag, manual, schedule'],
    ['a sha that is not a commit id', { 'workflow.sha': 'main' }, 'workflow.sha is not a commit id (40 hex digits)'],
    ['a configSha that is not a commit id', { configSha: SHA.toUpperCase() }, 'configSha is not a commit id (40 hex digits)'],
    ['no clone.url', { 'clone.url': REMOVE }, 'clone.url is missing'],
    ['an empty clone.url', { 'clone.url': '' }, 'clone.url is empty'],
    ['no clone', { clone: REMOVE }, 'clone is missing'],
  ] as [string, Record<string, unknown>, string][])('refuses %s', (_what, edits, problem) => {
    expect(problemsOf(changed(edits))).toContain(problem);
  });

  it('refuses what the API always sends when it is missing or has the wrong type', () => {
    expect(problemsOf(changed({ forkSecretPipelines: REMOVE }))).toEqual(['forkSecretPipelines is missing']);
    expect(problemsOf(changed({ logCapBytes: REMOVE }))).toEqual(['logCapBytes is missing']);
    expect(problemsOf(changed({ logCapBytes: 1024 }))).toEqual([`logCapBytes must be >= ${MIN_LOG_CAP_BYTES}`]);
    expect(problemsOf(changed({ 'workflow.trusted': 'yes' }))).toEqual(['workflow.trusted must be a boolean']);
    expect(problemsOf(changed({ 'workflow.prNumber': '12' }))).toEqual(['workflow.prNumber must be an integer or null']);
    expect(problemsOf(changed({ 'workflow.changedPaths': [1] }))).toEqual(['workflow.changedPaths[0] must be a string']);
    expect(problemsOf(changed({ reusedPipelines: REMOVE }))).toEqual(['reusedPipelines is missing']);
    expect(problemsOf(changed({ inputs: REMOVE }))).toEqual(['inputs is missing']);
    expect(problemsOf(changed({ 'inputs.TARGET': 7 }))).toEqual(['inputs.TARGET must be a string']);
    expect(problemsOf(null)).toEqual(['the answer must be an object']);
  });

  it('names every problem, and never a secret', () => {
    const problems = problemsOf(changed({ 'workflow.sha': SECRET, 'clone.token': { value: SECRET }, project: REMOVE }));
    expect(problems).toEqual(['project is missing', 'workflow.sha is not a commit id (40 hex digits)', 'clone.token must be a string or null']);
    expect(problems.join('\n')).not.toContain(SECRET);
  });

  it('carries no secret values: an API that still sends them has them dropped', () => {
    expect(Object.keys(runInfoSchema.properties)).not.toContain('secrets');
    const older = changed({ secrets: { DEPLOY_TOKEN: SECRET } });
    const checked = validateRunInfo(older);
    expect(checked).toEqual({ ok: true, value: answer() });
    expect(JSON.stringify(checked)).not.toContain(SECRET);
  });
});

describe('GET /agent/v1/secrets answer (runSecretsSchema)', () => {
  const problems = (value: unknown): string[] => {
    const checked = validateRunSecrets(value);
    if (checked.ok) throw new Error('expected the answer to be refused');
    return checked.problems;
  };

  it('accepts a map of names to values, and an empty one', () => {
    expect(validateRunSecrets({ secrets: { DEPLOY_TOKEN: SECRET } })).toEqual({ ok: true, value: { secrets: { DEPLOY_TOKEN: SECRET } } });
    expect(validateRunSecrets({ secrets: {}, future: 1 })).toEqual({ ok: true, value: { secrets: {} } });
    expectTypeOf<RunSecrets['secrets']>().toEqualTypeOf<{ [name: string]: string }>();
  });

  it('refuses values that are not strings and a missing map, without quoting a value', () => {
    expect(problems({ secrets: { DEPLOY_TOKEN: 42 } })).toEqual(['secrets.DEPLOY_TOKEN must be a string']);
    expect(problems({ secrets: ['a'] })).toEqual(['secrets must be an object']);
    expect(problems({})).toEqual(['secrets is missing']);
    expect(problems({ secrets: { OTHER: { value: SECRET } } }).join('\n')).not.toContain(SECRET);
  });
});
