import { createRequire } from 'node:module';

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const groups = require('@octokit/webhooks-examples') as ExampleGroup[];

/** GitHub's real payloads (@octokit/webhooks-examples) for an event, optionally filtered; deep copies. */
export function examplesOf(event: string, where: (payload: Record<string, unknown>) => boolean = () => true): Record<string, unknown>[] {
  const group = groups.find((g) => g.name === event);
  if (!group) throw new Error(`no examples for ${event}`);
  return group.examples.filter(where).map((e) => structuredClone(e));
}

export function exampleOf(event: string, where?: (payload: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = examplesOf(event, where)[0];
  if (!found) throw new Error(`no matching example for ${event}`);
  return found;
}

/** GitHub's `pull_request` `opened` example with its head in a fork (mallory/Hello-World, repository id 4242). */
export function forkPullRequest(): Record<string, unknown> {
  const payload = exampleOf('pull_request', (p) => p.action === 'opened');
  const pr = payload.pull_request as { head: { repo: Record<string, unknown> } };
  pr.head.repo = { ...pr.head.repo, id: 4242, full_name: 'mallory/Hello-World', fork: true };
  return payload;
}

/** A push payload as scripts/send-sample-push.mjs sends it for a local repository. */
export function localPush(location: string, options: { fullName?: string; sha?: string } = {}): Record<string, unknown> {
  const sha = options.sha ?? 'c'.repeat(40);
  const fullName = options.fullName ?? 'local/widgets';
  return {
    ref: 'refs/heads/main',
    before: 'b'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    commits: [{ id: sha, distinct: true, message: 'change', added: ['src/app.js'], modified: [], removed: [] }],
    head_commit: { id: sha, distinct: true, message: 'change', added: ['src/app.js'], modified: [], removed: [] },
    repository: {
      id: 0,
      name: fullName.split('/')[1],
      full_name: fullName,
      owner: { login: 'local', name: 'local' },
      html_url: location,
      url: location,
      clone_url: location,
      default_branch: 'main',
    },
    pusher: { name: 'Test', email: 'test@example.com' },
    sender: { login: 'tester', type: 'User' },
  };
}
