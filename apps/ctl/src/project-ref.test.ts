import { describe, expect, it } from 'vitest';
import type { Project } from './api-types.js';
import { NothingFoundError } from './errors.js';
import { chooseProject, matchProjects } from './project-ref.js';
import { UsageError } from './usage.js';

const project = (id: string, owner: string, name: string): Project => ({ id, owner: { id: owner, name: owner }, project: name, url: '', default_branch: 'main', created_at: '' });
const all = [project('1', 'acme', 'web'), project('2', 'acme', 'api'), project('3', 'other', 'web')];

describe('--project by id, owner/name or name', () => {
  it('matches', () => {
    expect(matchProjects(all, 'acme/web').map((p) => p.id)).toEqual(['1']);
    expect(matchProjects(all, 'api').map((p) => p.id)).toEqual(['2']);
    expect(matchProjects(all, 'web').map((p) => p.id)).toEqual(['1', '3']);
    expect(matchProjects(all, 'acme/nope')).toEqual([]);
  });
  it('one match is the project; none is not found; several ask for owner/name', () => {
    expect(chooseProject(matchProjects(all, 'api'), 'api').id).toBe('2');
    expect(() => chooseProject([], 'nope')).toThrow(new NothingFoundError('no project "nope" ("factoryctl projects" lists them)'));
    expect(() => chooseProject(matchProjects(all, 'web'), 'web')).toThrow(new UsageError('"web" names 2 projects: give owner/name (acme/web, other/web)'));
  });
});
