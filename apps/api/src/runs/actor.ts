import type { FastifyRequest } from 'fastify';

/**
 * Who is asking, as stored in a workflow's `requested_by` (and `approved_by`, `cancelled_by`): `admin` or
 * `user:<login>`. Today only the admin token reaches the management routes, so the actor is `admin`.
 */
export function actorOf(_request: FastifyRequest): string {
  return 'admin';
}
