import { describe, expect, it } from 'vitest';
import { localRepositoryDirectory, localRepositoryPath, localRepositorySpellings } from './local-repository.js';

const NOT_LOCAL = ['https://github.com/acme/widgets', 'git@github.com:acme/widgets.git', 'ssh://git@host/x', 'widgets', './widgets', 'file://otherhost/srv/git/widgets', '', `/${'a'.repeat(600)}`];

describe('localRepositoryPath', () => {
  it('names one repository by file:// URL or path, with or without a trailing slash, /.git or .git', () => {
    for (const spelling of ['/srv/git/widgets', '/srv/git/widgets/', '/srv/git/widgets.git', '/srv/git/widgets/.git/', 'file:///srv/git/widgets', 'file://localhost/srv/git/widgets.git', 'FILE:///srv/git//widgets/']) {
      expect(localRepositoryPath(spelling), spelling).toBe('/srv/git/widgets');
    }
    expect(localRepositoryPath('file:///srv/git/my%20widgets')).toBe('/srv/git/my widgets');
  });

  it('is null for anything not on this machine', () => {
    for (const location of NOT_LOCAL) {
      expect(localRepositoryPath(location), location).toBeNull();
    }
  });

  it('spells a path the ways a project URL may be stored', () => {
    const spellings = localRepositorySpellings('/srv/git/my widgets');
    expect(spellings).toEqual(expect.arrayContaining(['/srv/git/my widgets', '/srv/git/my widgets/', '/srv/git/my widgets.git', 'file:///srv/git/my widgets', 'file:///srv/git/my%20widgets', 'file:///srv/git/my%20widgets.git/']));
    for (const spelling of spellings) expect(localRepositoryPath(spelling)).toBe('/srv/git/my widgets');
  });
});

describe('localRepositoryDirectory', () => {
  it('is the directory git opens: the URL\'s path, normalised, keeping a .git suffix', () => {
    const cases: [string, string][] = [
      ['/srv/git/widgets', '/srv/git/widgets'],
      ['/srv/git/widgets/', '/srv/git/widgets'],
      ['/srv/git//widgets/./', '/srv/git/widgets'],
      ['/srv/git/widgets.git', '/srv/git/widgets.git'],
      ['/srv/git/widgets/.git/', '/srv/git/widgets/.git'],
      ['file:///srv/git/widgets.git/', '/srv/git/widgets.git'],
      ['file://localhost/srv/git/widgets', '/srv/git/widgets'],
      ['FILE:///srv/git/widgets', '/srv/git/widgets'],
      ['file:///srv/git/my%20widgets', '/srv/git/my widgets'],
      ['/', '/'],
    ];
    for (const [location, directory] of cases) expect(localRepositoryDirectory(location), location).toBe(directory);
  });

  it('names the repository localRepositoryPath names', () => {
    for (const location of ['/srv/git/widgets.git/', 'file://localhost/srv/git/widgets/.git', 'FILE:///srv/git//widgets/']) {
      expect(localRepositoryPath(localRepositoryDirectory(location) as string)).toBe(localRepositoryPath(location));
    }
  });

  it('is null for anything not on this machine', () => {
    for (const location of [...NOT_LOCAL, 'file:///srv/x%00y']) {
      expect(localRepositoryDirectory(location), location).toBeNull();
    }
  });
});
