import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from './errors.js';

/**
 * An onRequest hook requiring `Authorization: Bearer <FACTORY_ADMIN_TOKEN>`. Both sides are hashed first so the
 * comparison is constant-time whatever the lengths.
 */
export function requireAdminToken(adminToken: string): (request: FastifyRequest) => Promise<void> {
  const expected = digest(adminToken);
  return async (request) => {
    const header = request.headers.authorization;
    const given = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (given === undefined) throw new UnauthorizedError('missing "Authorization: Bearer <admin token>" header');
    if (!timingSafeEqual(digest(given), expected)) throw new UnauthorizedError('wrong admin token');
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
