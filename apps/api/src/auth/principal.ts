/**
 * Who is calling: the admin token, or a user through a personal access token or a session cookie. Resolved once per
 * request by the authenticate hook (authenticate.ts) and read by the routes as `request.principal`.
 */

/** What the routes need to know of a user. */
export interface PrincipalUser {
  id: string;
  login: string;
  name: string | null;
  admin: boolean;
  githubLogin: string | null;
}

export type Principal =
  | { kind: 'admin'; via: 'admin_token' }
  | { kind: 'user'; via: 'token'; user: PrincipalUser; tokenId: string }
  | { kind: 'user'; via: 'session'; user: PrincipalUser; sessionId: string };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** A personal access token starts with this: it tells one apart from the admin token without a database read. */
export const ACCESS_TOKEN_PREFIX = 'fci_';
export const SESSION_COOKIE = 'factory_session';
export const CSRF_COOKIE = 'factory_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** What a request presents, read from its Authorization header and session cookie (the header wins). */
export type Credential =
  | { kind: 'none' }
  | { kind: 'malformed'; message: string }
  | { kind: 'access_token'; token: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'session'; token: string };

/** Reads the credential of a request (pure): `Authorization: Bearer <token>` first, else the session cookie. */
export function credentialOf(authorization: string | undefined, sessionCookie: string | undefined): Credential {
  if (authorization !== undefined) {
    const token = authorization.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (token === undefined) return { kind: 'malformed', message: 'the Authorization header must be "Bearer <token>"' };
    return token.startsWith(ACCESS_TOKEN_PREFIX) ? { kind: 'access_token', token } : { kind: 'bearer', token };
  }
  if (sessionCookie !== undefined && sessionCookie !== '') return { kind: 'session', token: sessionCookie };
  return { kind: 'none' };
}

/** How a principal is recorded as the author of a change (workflows' requested_by, approved_by, cancelled_by). */
export function actorOf(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : `user:${principal.user.login}`;
}

/** The admin token or a FactoryCI admin user: every project and owner, and the users. */
export function isAdministrator(principal: Principal): boolean {
  return principal.kind === 'admin' || principal.user.admin;
}

/** Methods that change state: a session must prove them with its CSRF token. */
export function changesState(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}
