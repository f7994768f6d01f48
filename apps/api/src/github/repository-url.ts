/**
 * "owner/repo" of a repository URL on the configured GitHub (https://github.com/o/r, …/o/r.git, git@github.com:o/r.git,
 * ssh://git@github.com/o/r.git); null for other hosts. This is how webhooks find a project.
 */
export function githubFullNameOf(url: string, githubUrl: string): string | null {
  const host = new URL(githubUrl).host.toLowerCase();
  const scp = url.match(/^git@([^:/]+):(.+)$/);
  let urlHost: string;
  let path: string;
  if (scp) {
    urlHost = (scp[1] ?? '').toLowerCase();
    path = scp[2] ?? '';
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    urlHost = parsed.host.toLowerCase();
    path = parsed.pathname;
  }
  if (urlHost !== host) return null;
  const parts = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2 || !parts.every((p) => /^[A-Za-z0-9_.-]+$/.test(p))) return null;
  return parts.join('/');
}
