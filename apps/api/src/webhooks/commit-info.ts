/**
 * The commit a delivery's run is about, as people read it in lists: its message and its author. Pure functions over
 * the payload; what does not fit the columns is cut (never refused: a long message is no reason to drop a run).
 */
import { COLUMN_LIMITS } from './column-limits.js';

export interface CommitInfo {
  /** A push's head commit message; a pull request's title. null when the payload does not say. */
  commitMessage: string | null;
  /** The head commit author's GitHub username, else their name; a pull request's author. */
  commitAuthor: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const record = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** `value` cut to at most `max` characters (code points, as the database counts them; never half a surrogate pair). */
export function cutTo(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  return Array.from(value).slice(0, max).join('');
}

function fitted(message: string | null, author: string | null): CommitInfo {
  return { commitMessage: cutTo(message, COLUMN_LIMITS.Workflow.commitMessage), commitAuthor: cutTo(author, COLUMN_LIMITS.Workflow.commitAuthor) };
}

/** A push payload's `head_commit`: its message, and `author.username ?? author.name`. */
export function pushCommitInfo(payload: Record<string, unknown>): CommitInfo {
  const head = record(payload.head_commit);
  const author = record(head?.author);
  return fitted(text(head?.message), text(author?.username) ?? text(author?.name));
}

/** A pull request (the payload's `pull_request`): its title, and `user.login`. */
export function pullRequestCommitInfo(pullRequest: Record<string, unknown>): CommitInfo {
  return fitted(text(pullRequest.title), text(record(pullRequest.user)?.login));
}
