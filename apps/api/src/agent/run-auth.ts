import { isFinalWorkflowStatus, type FinalWorkflowStatus } from '@factoryci/run-state';
import { deriveRunTokenKey, InvalidRunTokenError, verifyRunToken } from '@factoryci/run-token';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db.js';
import { UnauthorizedError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The workflow the request's run token is scoped to (agent routes only; set by the run-token hooks). */
    runWorkflowId: string;
  }
}

/**
 * The run-token check of the agent routes, in two steps:
 * - `verifyToken` (onRequest, no I/O): a well-formed, correctly signed, unexpired run token; sets runWorkflowId.
 * - `requireLiveRun` (preHandler, one query): the workflow exists and is not final — the token dies with its run.
 *   `allowRepeat(request, status)` may accept one request against a final workflow: the retry of the very status
 *   report that made it final (its answer may have been lost), so the agent's retry gets 200 instead of 401.
 */
export function runTokenAuth(db: Db, encryptionKey: Buffer) {
  const key = deriveRunTokenKey(encryptionKey);
  return {
    async verifyToken(request: FastifyRequest): Promise<void> {
      const given = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      if (given === undefined) throw new UnauthorizedError('missing "Authorization: Bearer <run token>" header');
      try {
        request.runWorkflowId = verifyRunToken(key, given).workflowId;
      } catch (error) {
        if (error instanceof InvalidRunTokenError) throw new UnauthorizedError(`not a valid run token (${error.why})`);
        throw error;
      }
    },
    requireLiveRun(allowRepeat?: (request: FastifyRequest, status: FinalWorkflowStatus) => boolean) {
      return async (request: FastifyRequest): Promise<void> => {
        const workflow = await db.workflow.findUnique({ where: { id: request.runWorkflowId }, select: { status: true } });
        if (workflow && isFinalWorkflowStatus(workflow.status) && allowRepeat?.(request, workflow.status)) return;
        assertLiveRun(workflow?.status);
      };
    },
  };
}

/** The 401 for a run token whose workflow (`status`: undefined when it does not exist) has ended or is gone. */
export function assertLiveRun(status: string | undefined): asserts status is string {
  if (status === undefined) throw new UnauthorizedError('the run of this token does not exist');
  if (isFinalWorkflowStatus(status)) throw new UnauthorizedError(`the run of this token has ended (${status})`);
}

/** The run token's workflow as read (undefined or null: it does not exist), once assertLiveRun has passed it. */
export function liveRun<W extends { status: string }>(workflow: W | null | undefined): W {
  assertLiveRun(workflow?.status);
  return workflow as W;
}
