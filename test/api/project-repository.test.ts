import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const create = (owner: string, project: string, url: string) =>
  api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner, project, url } });

describe('one project per GitHub repository', () => {
  it('lets exactly one of many concurrent creates for the same repository win; the others are 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => create(`owner-${i}`, `project-${i}`, 'https://github.com/octo/race')),
    );
    const codes = answers.map((answer) => answer.statusCode).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409, 409]);
    for (const answer of answers.filter((a) => a.statusCode === 409)) {
      expect(answer.json().message).toMatch(/repository octo\/race already belongs to project owner-\d\/project-\d/);
    }
    expect(await api.database.db.project.count({ where: { githubFullName: 'octo/race' } })).toBe(1);
  });

  it('refuses moving a project onto a repository another project has', async () => {
    expect((await create('a', 'one', 'https://github.com/octo/taken')).statusCode).toBe(201);
    const other = await create('a', 'two', 'https://github.com/octo/free');
    const moved = await api.app.inject({
      method: 'PUT',
      url: `/project?id=${other.json().id}`,
      headers: adminHeaders,
      payload: { url: 'https://github.com/octo/taken' },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().message).toContain('repository octo/taken already belongs to project a/one');
  });

  it('lets any number of projects without a GitHub identity coexist (the unique index allows NULL)', async () => {
    expect((await create('local', 'x', 'file:///srv/git/x')).statusCode).toBe(201);
    expect((await create('local', 'y', 'file:///srv/git/y')).statusCode).toBe(201);
  });
});
