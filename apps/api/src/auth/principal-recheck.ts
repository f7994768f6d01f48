/**
 * Who a long-lived request (an events stream) was let in as, asked again: the credential it presented may have been
 * revoked, expired or signed out since, or its user disabled or made no longer an administrator.
 */
import type { Db } from '../db.js';
import { accessTokenRefusal } from './access-tokens.js';
import { sessionRefusal } from './sessions.js';
import type { Principal, PrincipalUser } from './principal.js';

type UserRow = { id: string; login: string; name: string | null; admin: boolean; githubLogin: string | null; disabledAt: Date | null };

const principalUser = ({ id, login, name, admin, githubLogin }: UserRow): PrincipalUser => ({ id, login, name, admin, githubLogin });

/**
 * The principal as it stands now (its user re-read), or null when its credential no longer lets it in: an access
 * token revoked, expired or deleted; a session ended or expired; a disabled user. The admin token is configuration:
 * it stands while the process runs. Reads only (a stream's recheck does not slide a session or mark a token used).
 */
export async function recheckPrincipal(db: Db, principal: Principal, now = new Date()): Promise<Principal | null> {
  switch (principal.via) {
    case 'admin_token':
      return principal;
    case 'token': {
      const token = await db.apiToken.findUnique({ where: { id: principal.tokenId }, include: { user: true } });
      if (!token || accessTokenRefusal(token, token.user, now) !== null) return null;
      return { ...principal, user: principalUser(token.user) };
    }
    case 'session': {
      const session = await db.userSession.findUnique({ where: { id: principal.sessionId }, include: { user: true } });
      if (!session || sessionRefusal(session, session.user, now) !== null) return null;
      return { ...principal, user: principalUser(session.user) };
    }
  }
}
