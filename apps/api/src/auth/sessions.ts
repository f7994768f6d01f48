/**
 * Browser sessions: a random secret in the HttpOnly cookie `factory_session` (the database keeps its SHA-256), and a
 * CSRF token in the readable cookie `factory_csrf` (the database keeps its SHA-256 too) that the page sends back as
 * `X-CSRF-Token` on every state-changing request. A session lasts 14 days from when it was last seen.
 */
import type { FastifyReply } from 'fastify';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db.js';
import { CSRF_COOKIE, SESSION_COOKIE, type PrincipalUser } from './principal.js';
import { randomSecret, sameDigest, sha256Hex } from './secrets.js';

export const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** last_seen_at (and so the expiry) moves at most this often: not a write per request. */
export const SESSION_SLIDE_EVERY_MS = 60_000;

export interface SessionDeps {
  db: Db;
  config: Pick<ApiConfig, 'publicUrl'>;
}

/** The cookies' attributes: `Secure` when the server is reached over https (PUBLIC_URL). */
function cookieOptions(config: SessionDeps['config'], httpOnly: boolean) {
  return {
    path: '/',
    httpOnly,
    sameSite: 'lax',
    secure: config.publicUrl?.startsWith('https:') ?? false,
    maxAge: SESSION_LIFETIME_MS / 1000,
  } as const;
}

function setSessionCookies(reply: FastifyReply, config: SessionDeps['config'], token: string, csrf: string): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(config, true));
  reply.setCookie(CSRF_COOKIE, csrf, cookieOptions(config, false));
}

/** Clears both cookies (sign-out, or a session that has ended). */
export function clearSessionCookies(reply: FastifyReply, config: SessionDeps['config']): void {
  const { maxAge: _, ...options } = cookieOptions(config, true);
  reply.clearCookie(SESSION_COOKIE, options);
  reply.clearCookie(CSRF_COOKIE, { ...options, httpOnly: false });
}

/**
 * Signs `userId` in: creates the session row and sets its cookies on `reply` (the CSRF token in `factory_csrf`).
 * For the GitHub sign-in; POST /auth/login uses createSession, which also answers the CSRF token.
 */
export async function startSession(deps: SessionDeps, reply: FastifyReply, userId: string, userAgent?: string): Promise<void> {
  await createSession(deps, reply, userId, userAgent);
}

/** startSession, answering the CSRF token (POST /auth/login returns it). */
export async function createSession(deps: SessionDeps, reply: FastifyReply, userId: string, userAgent?: string): Promise<string> {
  const token = randomSecret();
  const csrf = randomSecret();
  await deps.db.userSession.create({
    data: {
      userId,
      tokenHash: sha256Hex(token),
      csrfHash: sha256Hex(csrf),
      userAgent: userAgent?.slice(0, 255) ?? null,
      expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS),
    },
  });
  setSessionCookies(reply, deps.config, token, csrf);
  return csrf;
}

export interface ActiveSession {
  id: string;
  csrfHash: string;
  user: PrincipalUser;
}

/**
 * The live session a cookie names, or null (unknown, expired, or its user disabled). Slides it: when last seen over a
 * minute ago, last_seen_at and expires_at move on and the cookies are set again (the CSRF cookie when the request
 * carries the right one).
 */
/** Why a stored session does not let its holder in, or null when it does (pure; as accessTokenRefusal for tokens). */
export function sessionRefusal(session: { expiresAt: Date }, user: { disabledAt: Date | null }, now: Date): 'expired' | 'user disabled' | null {
  if (session.expiresAt <= now) return 'expired';
  if (user.disabledAt !== null) return 'user disabled';
  return null;
}

export async function resolveSession(
  deps: SessionDeps,
  token: string,
  cookies: { csrf: string | undefined; reply: FastifyReply },
  now = new Date(),
): Promise<ActiveSession | null> {
  const session = await deps.db.userSession.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { user: true } });
  if (!session) return null;
  const refusal = sessionRefusal(session, session.user, now);
  if (refusal === 'expired') await deps.db.userSession.deleteMany({ where: { id: session.id } });
  if (refusal !== null) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_SLIDE_EVERY_MS) {
    await deps.db.userSession.updateMany({
      where: { id: session.id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS) },
    });
    if (cookies.csrf !== undefined && sameDigest(sha256Hex(cookies.csrf), session.csrfHash)) {
      setSessionCookies(cookies.reply, deps.config, token, cookies.csrf);
    }
  }
  const { user } = session;
  return { id: session.id, csrfHash: session.csrfHash, user: { id: user.id, login: user.login, name: user.name, admin: user.admin, githubLogin: user.githubLogin } };
}

/** Whether `header` is the session's CSRF token (hashes compared in constant time). */
export function csrfMatches(session: Pick<ActiveSession, 'csrfHash'>, header: string | string[] | undefined): boolean {
  return typeof header === 'string' && header !== '' && sameDigest(sha256Hex(header), session.csrfHash);
}

/** Ends one session (sign-out). */
export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.userSession.deleteMany({ where: { id: sessionId } });
}

/** Ends every session of a user (sign-out everywhere, a disabled user, a changed password); answers how many. */
export async function endUserSessions(db: Db, userId: string): Promise<number> {
  return (await db.userSession.deleteMany({ where: { userId } })).count;
}
