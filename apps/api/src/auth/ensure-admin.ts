/** The first administrator of an installation: a local user `admin`, made once when there is no admin user. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db.js';
import { MIN_PASSWORD_LENGTH } from '../schemas.js';
import { hashPassword } from './secrets.js';

export const FIRST_ADMIN_LOGIN = 'admin';

export type EnsureAdminOutcome =
  | { created: false; why: 'an admin user exists' }
  | { created: true; login: string; password: string; generated: boolean };

/** A password of 24 characters (18 random bytes, base64url). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Creates the local admin user `admin` when no admin user exists, with `password` or a generated one (answered, to be
 * shown once). A given password shorter than 12 characters, or a login `admin` already taken by a user who is not an
 * admin, is an error: nothing is changed.
 */
export async function ensureAdminUser(db: Db, password: string | undefined): Promise<EnsureAdminOutcome> {
  if ((await db.user.count({ where: { admin: true } })) > 0) return { created: false, why: 'an admin user exists' };
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`FACTORY_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  if ((await db.user.count({ where: { login: FIRST_ADMIN_LOGIN } })) > 0) {
    throw new Error(`there is no admin user, and the login "${FIRST_ADMIN_LOGIN}" is taken by a user who is not one: make a user admin with PUT /user (admin token)`);
  }
  const chosen = password ?? generatePassword();
  await db.user.create({ data: { login: FIRST_ADMIN_LOGIN, name: 'Administrator', admin: true, passwordHash: await hashPassword(chosen) } });
  return { created: true, login: FIRST_ADMIN_LOGIN, password: chosen, generated: password === undefined };
}
