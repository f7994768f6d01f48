#!/usr/bin/env node
/**
 * Sends a signed sample `push` webhook for a project, as GitHub would after a push of the repository's HEAD:
 *
 *   npm run send-sample-push -- --project <id> [--secret <webhook secret>] [--repo <path>] [--api <url>]
 *
 * The project is read from the API (admin token: FACTORY_ADMIN_TOKEN, or `.data/factory.env` of scripts/start.sh);
 * the repository whose HEAD is pushed is `--repo`, else the project's own when its URL is a path or file:// URL on
 * this machine, else the current directory. The payload names HEAD's sha and branch and the files HEAD changed, names
 * the repository by the project's URL (`clone_url`: how the API finds a project without a GitHub identity) or GitHub
 * name, and is signed with the project's webhook secret (`--secret` or FACTORY_WEBHOOK_SECRET) as X-Hub-Signature-256.
 * The API to send to: `--api`, else FACTORY_API_URL, else http://127.0.0.1:$PORT (8080).
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/* global fetch */

const ZERO = '0'.repeat(40);

function fail(message) {
  process.stderr.write(`send-sample-push: ${message}\n`);
  process.exit(2);
}

/** FACTORY_* settings written by scripts/start.sh, used when the environment does not set them. */
function savedEnv() {
  const file = fileURLToPath(new URL('../.data/factory.env', import.meta.url));
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
      .filter(Boolean)
      .map((match) => [match[1], match[2].replace(/^['"]|['"]$/g, '')]),
  );
}

/** git's output; its error output only when it fails (then this throws). */
function git(repo, ...args) {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const detail = typeof error.stderr === 'string' && error.stderr.trim() !== '' ? error.stderr.trim() : error.message;
    throw new Error(`git ${args.join(' ')} in ${repo}: ${detail}`);
  }
}

/** The files a commit changed relative to its first parent, as a push payload's commit lists them. */
function changes(repo, sha) {
  const out = { added: [], modified: [], removed: [] };
  const lines = git(repo, 'diff-tree', '--no-commit-id', '--root', '-r', '--name-status', sha).split('\n').filter(Boolean);
  for (const line of lines) {
    const [status, path] = line.split('\t');
    if (status === 'A') out.added.push(path);
    else if (status === 'D') out.removed.push(path);
    else out.modified.push(path);
  }
  return out;
}

function buildPushPayload({ repo, project }) {
  let sha;
  try {
    sha = git(repo, 'rev-parse', '--verify', 'HEAD');
  } catch (error) {
    fail(`${repo} is not a git repository with a commit (${error.message})`);
  }
  let branch;
  try {
    branch = git(repo, 'symbolic-ref', '--short', 'HEAD');
  } catch {
    fail(`${repo}: HEAD is detached; check out a branch`);
  }
  let before = ZERO;
  try {
    before = git(repo, 'rev-parse', '--verify', '--quiet', 'HEAD~1');
  } catch {
    // the first commit
  }
  const fullName = project.github_full_name ?? `local/${basename(repo)}`;
  const [ownerLogin, name] = fullName.split('/');
  const author = { name: git(repo, 'log', '-1', '--format=%an'), email: git(repo, 'log', '-1', '--format=%ae'), username: ownerLogin };
  const commit = {
    id: sha,
    tree_id: git(repo, 'rev-parse', 'HEAD^{tree}'),
    distinct: true,
    message: git(repo, 'log', '-1', '--format=%B'),
    timestamp: git(repo, 'log', '-1', '--format=%cI'),
    url: `${project.url}/commit/${sha}`,
    author,
    committer: author,
    ...changes(repo, sha),
  };
  return {
    ref: `refs/heads/${branch}`,
    before,
    after: sha,
    created: before === ZERO,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${project.url}/compare/${before.slice(0, 12)}...${sha.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    repository: {
      id: project.github_repo_id ?? 0,
      name,
      full_name: fullName,
      private: true,
      owner: { login: ownerLogin, name: ownerLogin },
      html_url: project.url,
      url: project.url,
      clone_url: project.url,
      default_branch: project.default_branch,
      master_branch: project.default_branch,
    },
    pusher: { name: author.name, email: author.email },
    sender: { login: author.username ?? 'factory-sample', type: 'User' },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      secret: { type: 'string' },
      repo: { type: 'string' },
      api: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run send-sample-push -- --project <id> [--secret <webhook secret>] [--repo <path>] [--api <url>]\n');
    return;
  }
  const env = { ...savedEnv(), ...process.env };
  const api = (values.api ?? env.FACTORY_API_URL ?? `http://127.0.0.1:${env.PORT ?? '8080'}`).replace(/\/+$/, '');
  const secret = values.secret ?? env.FACTORY_WEBHOOK_SECRET;
  const adminToken = env.FACTORY_ADMIN_TOKEN;
  if (!values.project) fail('--project <id> is required');
  if (!secret) fail("the project's webhook secret is required: --secret <secret> or FACTORY_WEBHOOK_SECRET");
  if (!adminToken) fail('FACTORY_ADMIN_TOKEN is required to read the project');

  const answer = await fetch(`${api}/project?id=${encodeURIComponent(values.project)}`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!answer.ok) fail(`GET ${api}/project answered ${answer.status}: ${await answer.text()}`);
  const project = await answer.json();
  const own = project.url.startsWith('file://') ? fileURLToPath(project.url) : isAbsolute(project.url) ? project.url : undefined;
  const repo = resolve(values.repo ?? own ?? '.');
  const payload = buildPushPayload({ repo, project });
  const body = JSON.stringify(payload);
  const delivery = randomUUID();
  const response = await fetch(`${api}/hooks/github/${encodeURIComponent(project.id)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/factoryci-sample',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  const text = await response.text();
  process.stdout.write(`push of ${payload.ref} at ${payload.after.slice(0, 12)} (delivery ${delivery}): ${response.status} ${text}\n`);
  if (!response.ok) process.exit(1);
}

await main();
