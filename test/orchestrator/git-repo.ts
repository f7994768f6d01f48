import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real git repository in a temporary directory, for tests that read or clone one. */
export interface GitRepo {
  path: string;
  /** Writes the files (path → content; null deletes) and commits them on the current branch; returns the sha. */
  commit(files: Record<string, string | null>, message?: string): string;
  git(...args: string[]): string;
  remove(): void;
}

export function createGitRepo(branch = 'main'): GitRepo {
  const path = mkdtempSync(join(tmpdir(), 'factoryci-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', path, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' },
    }).trim();
  git('init', '-q', '-b', branch);
  return {
    path,
    git,
    commit(files, message = 'change') {
      for (const [file, content] of Object.entries(files)) {
        const target = join(path, file);
        if (content === null) rmSync(target, { force: true });
        else {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, content);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
