/**
 * Personal access tokens: `fci_` + 32 random bytes (base64url), shown once, stored as their SHA-256; `prefix` (the
 * first 12 characters) tells them apart in lists.
 */
import type { ApiToken } from '@factoryci/db';
import type { Db } from '../db.js';
import { ACCESS_TOKEN_PREFIX, type PrincipalUser } from './principal.js';
import { randomSecret, sha256Hex } from './secrets.js';

export const TOKEN_PREFIX_LENGTH = 12;
/** last_used_at is written at most this often per token. */
export const LAST_USED_EVERY_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function createAccessToken(
  db: Db,
  input: { userId: string; name: string; expiresInDays?: number },
  now = new Date(),
): Promise<{ row: ApiToken; token: string }> {
  const token = `${ACCESS_TOKEN_PREFIX}${randomSecret()}`;
  const row = await db.apiToken.create({
    data: {
      userId: input.userId,
      name: input.name,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, TOKEN_PREFIX_LENGTH),
      createdAt: now,
      expiresAt: input.expiresInDays === undefined ? null : new Date(now.getTime() + input.expiresInDays * DAY_MS),
    },
  });
  return { row, token };
}

/** Why a stored token does not let its holder in, or null when it does (pure). */
export function accessTokenRefusal(
  token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>,
  user: { disabledAt: Date | null },
  now: Date,
): 'revoked' | 'expired' | 'user disabled' | null {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  if (user.disabledAt !== null) return 'user disabled';
  return null;
}

/** The user a presented token lets in, or null (unknown, revoked, expired, disabled user); records its use. */
export async function resolveAccessToken(db: Db, token: string, now = new Date()): Promise<{ tokenId: string; user: PrincipalUser } | null> {
  const found = await db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { user: true } });
  if (!found || accessTokenRefusal(found, found.user, now) !== null) return null;
  if (found.lastUsedAt === null || now.getTime() - found.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) {
    await db.apiToken.updateMany({ where: { id: found.id }, data: { lastUsedAt: now } });
  }
  const { user } = found;
  return { tokenId: found.id, user: { id: user.id, login: user.login, name: user.name, admin: user.admin, githubLogin: user.githubLogin } };
}
