import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db.js';
import { isUniqueViolation } from '../db-errors.js';
import type { Logger } from '../logger.js';
import { GithubRequestError, type GithubAccount, type GithubAppClient, type GithubInstallationInfo, type GithubOrgMembership } from './github-app.js';
import { saveInstallation } from './installations.js';

/**
 * Signing in with GitHub (the App's user authorisation, OAuth web flow): the URL of GitHub's authorisation page, the
 * `state` that ties GitHub's redirect back to the browser that started it, and what a returning code does — the user
 * row kept by GitHub id, and the owners of the user's installations they become the first admin of.
 */

// ---------------------------------------------------------------------------------------------------------------
// The OAuth state: `<payload>.<signature>`, payload base64url JSON { n: random nonce, exp: unix seconds, r: return
// path }, signature HMAC-SHA256 with a key derived from FACTORY_ENCRYPTION_KEY. The same value goes to GitHub (and
// comes back in the callback's query) and into an HttpOnly cookie of the browser that started: a state from another
// browser, an old one, or a changed one is refused.

/** How long a sign-in may take from GET /auth/github to the callback. */
export const OAUTH_STATE_TTL_SECONDS = 600;
/** The longest return path kept in the state. */
export const MAX_RETURN_PATH_LENGTH = 512;

/** The state's signing key, derived from the 32-byte encryption key (HKDF-SHA256, as run tokens derive theirs). */
export function deriveOAuthStateKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'factory-github-oauth-state', 32));
}

export function createOAuthState(key: Buffer, options: { returnTo?: string; now?: number } = {}): string {
  const now = options.now ?? Date.now();
  const payload = Buffer.from(
    JSON.stringify({
      n: randomBytes(16).toString('base64url'),
      exp: Math.floor(now / 1000) + OAUTH_STATE_TTL_SECONDS,
      r: safeReturnPath(options.returnTo),
    }),
  ).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

export type OAuthStateCheck =
  | { ok: true; returnTo: string }
  | { ok: false; reason: 'missing' | 'mismatch' | 'malformed' | 'tampered' | 'expired' };

/**
 * Whether the callback's `state` is the one this browser was given (its cookie), signed with `key` and not expired.
 * Pure; every comparison is in constant time.
 */
export function checkOAuthState(key: Buffer, fromQuery: string | undefined, fromCookie: string | undefined, now: number): OAuthStateCheck {
  if (!fromQuery || !fromCookie) return { ok: false, reason: 'missing' };
  if (!equalInConstantTime(fromQuery, fromCookie)) return { ok: false, reason: 'mismatch' };
  const [payload, signature, extra] = fromQuery.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  if (!equalInConstantTime(sign(key, payload), signature)) return { ok: false, reason: 'tampered' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { exp, r } = (claims ?? {}) as { exp?: unknown; r?: unknown };
  if (typeof exp !== 'number') return { ok: false, reason: 'malformed' };
  if (exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, returnTo: safeReturnPath(typeof r === 'string' ? r : undefined) };
}

/**
 * Where to send the browser after signing in: a path of this site only (`/…`, not `//host` nor `/\host`, which
 * browsers take for another host; no control characters), else `/`.
 */
export function safeReturnPath(path: string | undefined): string {
  if (path === undefined || path.length === 0 || path.length > MAX_RETURN_PATH_LENGTH) return '/';
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return '/';
  return path;
}

/** GitHub's authorisation page for the App (`redirectUri` null: the App's first callback URL, GitHub's default). */
export function signInUrl(input: { webUrl: string; clientId: string; redirectUri: string | null; state: string }): string {
  const url = new URL(`${input.webUrl.replace(/\/+$/, '')}/login/oauth/authorize`);
  url.searchParams.set('client_id', input.clientId);
  if (input.redirectUri !== null) url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  return url.toString();
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

function equalInConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------------------------
// Completing the sign-in.

/** GitHub did not take the code (already used, expired, never issued, or for another redirect URI). */
export class GithubCodeRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GithubCodeRejectedError';
  }
}

/** The user exists and is disabled: no sign-in. */
export class UserDisabledError extends Error {
  constructor(readonly login: string) {
    super(`user ${login} is disabled`);
    this.name = 'UserDisabledError';
  }
}

/** The users.name column's width. */
const MAX_NAME_LENGTH = 200;

export interface GithubSignInDeps {
  db: Db;
  github: GithubAppClient;
  logger: Logger;
  /** Told when an installation was recorded (the webhook signer lookups forget what they keep). */
  onInstallationRecorded?: () => void;
}

export interface GithubSignIn {
  userId: string;
  /** The user's FactoryCI login. */
  login: string;
  /** Names of the owners this sign-in made the user the admin of. */
  linkedOwners: string[];
}

/**
 * The user behind an OAuth code: exchanges it (once; GitHub refuses it after that), keeps the `users` row of that
 * GitHub id, and makes them the admin of each owner of their installations whose account they administer and which has
 * no admin yet. GitHub's failures other than a refused code are GithubRequestError.
 */
export async function completeGithubSignIn(deps: GithubSignInDeps, code: string, redirectUri?: string): Promise<GithubSignIn> {
  const identified = await exchangeCode(deps.github, code, redirectUri);
  const user = await keepGithubUser(deps.db, { ...identified.user, name: identified.name });
  const installations = await deps.github.userInstallations(identified.token);
  const linkedOwners: string[] = [];
  for (const installation of installations) {
    const owner = await linkInstallationOwner(deps, { userId: user.id, account: identified.user, token: identified.token }, installation);
    if (owner) linkedOwners.push(owner);
  }
  deps.logger.info({ userId: user.id, githubLogin: identified.user.login, linkedOwners }, 'signed in with GitHub');
  return { userId: user.id, login: user.login, linkedOwners };
}

async function exchangeCode(github: GithubAppClient, code: string, redirectUri: string | undefined) {
  try {
    return await github.identifyUser(code, redirectUri);
  } catch (error) {
    if (error instanceof GithubRequestError && error.status >= 400 && error.status < 500) {
      throw new GithubCodeRejectedError('GitHub did not accept the sign-in code (used already, expired or not issued); sign in again');
    }
    throw error;
  }
}

/**
 * The FactoryCI login for a new GitHub user: their GitHub login, else `<login>-gh`, `<login>-gh-2`, … — the first
 * that no user has (logins compare case-insensitively, as the column does).
 */
export function freeLogin(githubLogin: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map((login) => login.toLowerCase()));
  const candidate = (n: number) => (n === 0 ? githubLogin : n === 1 ? `${githubLogin}-gh` : `${githubLogin}-gh-${n}`);
  let n = 0;
  while (used.has(candidate(n).toLowerCase())) n++;
  return candidate(n);
}

/** The user of a GitHub account: found by GitHub id (its GitHub login and name kept current), else created. */
export async function keepGithubUser(db: Db, account: GithubAccount & { name: string | null }): Promise<{ id: string; login: string }> {
  const githubId = BigInt(account.id);
  const name = account.name === null ? null : account.name.slice(0, MAX_NAME_LENGTH);
  // A concurrent sign-in of the same user, or a local user taking the login meanwhile, loses a unique race: read again.
  for (let attempt = 0; ; attempt++) {
    const existing = await db.user.findUnique({ where: { githubId } });
    if (existing) {
      if (existing.disabledAt) throw new UserDisabledError(existing.login);
      if (existing.githubLogin !== account.login || existing.name !== name) {
        await db.user.update({ where: { id: existing.id }, data: { githubLogin: account.login, name } });
      }
      return { id: existing.id, login: existing.login };
    }
    const taken = await db.user.findMany({ where: { login: { startsWith: account.login } }, select: { login: true } });
    try {
      const created = await db.user.create({
        data: { login: freeLogin(account.login, taken.map((u) => u.login)), name, githubId, githubLogin: account.login },
      });
      return { id: created.id, login: created.login };
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 3) throw error;
    }
  }
}

/**
 * Whether the user administers an installation's account: it is their own account, or an organisation in which their
 * membership is active with role admin. Pure.
 */
export function administersAccount(user: GithubAccount, account: GithubAccount, membership: GithubOrgMembership | null): boolean {
  if (account.type === 'User') return account.id === user.id;
  return membership !== null && membership.state === 'active' && membership.role === 'admin';
}

/**
 * "The first user of an installation's account who is an admin of it is that owner's admin": when the user
 * administers the account and the installation's owner has no admin yet, they become it. Returns the owner's name
 * when they did. GitHub failing for one installation (its membership, its repositories) skips it, logged.
 */
async function linkInstallationOwner(
  deps: GithubSignInDeps,
  user: { userId: string; account: GithubAccount; token: string },
  installation: GithubInstallationInfo,
): Promise<string | null> {
  try {
    const membership = installation.account.type === 'User' ? null : await deps.github.userOrgMembership(user.token, installation.account.login);
    if (!administersAccount(user.account, installation.account, membership)) return null;
    const ownerId = await ownerOfInstallation(deps, installation);
    if (!(await becomeFirstAdmin(deps.db, ownerId, user.userId))) return null;
    const owner = await deps.db.owner.findUniqueOrThrow({ where: { id: ownerId }, select: { name: true } });
    return owner.name;
  } catch (error) {
    if (!(error instanceof GithubRequestError)) throw error;
    deps.logger.warn({ err: error, installationId: installation.id, account: installation.account.login }, 'GitHub sign-in: installation skipped');
    return null;
  }
}

/**
 * The owner of an installation; one not recorded yet (or whose owner went) is recorded first, with its repositories.
 * Recorded at the same time by another sign-in (or webhook), it is read again.
 */
async function ownerOfInstallation(deps: GithubSignInDeps, installation: GithubInstallationInfo): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const row = await deps.db.installation.findUnique({ where: { id: BigInt(installation.id) }, select: { ownerId: true } });
    if (row?.ownerId) return row.ownerId;
    const repositories = row ? null : await deps.github.installationRepositories(installation.id);
    try {
      const { ownerId } = await saveInstallation(deps.db, installation, repositories);
      deps.onInstallationRecorded?.();
      return ownerId;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 2) throw error;
    }
  }
}

/** Makes the user the owner's admin when it has none; the owner's row is locked so that two first admins cannot race. */
async function becomeFirstAdmin(db: Db, ownerId: string, userId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM owners WHERE id = ${ownerId} FOR UPDATE`;
    const admin = await tx.ownerMember.findFirst({ where: { ownerId, role: 'admin' }, select: { userId: true } });
    if (admin) return false;
    await tx.ownerMember.upsert({
      where: { ownerId_userId: { ownerId, userId } },
      create: { ownerId, userId, role: 'admin' },
      update: { role: 'admin' },
    });
    return true;
  });
}
