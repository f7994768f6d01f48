/**
 * The write of a retried attempt (`.factory`'s `retry`): an execution's attempt that failed and is tried again, as the
 * agent reports it with the execution's `running` (POST /agent/v1/status with `retriedAttempt`). Appended to the
 * execution's `attempts` JSON while it runs; the same attempt reported again (a retried report) is left alone.
 */
import type { Db } from '../client.js';
import { withTransientRetry } from '../transient-retry.js';
import { ConcurrentChangeError, StepNotFoundError, TransitionRefusedError } from './errors.js';
import { stepNode } from './reports.js';

export interface RetriedAttemptRecord {
  attempt: number;
  status: 'failure' | 'error';
  exitCode: number | null;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string;
  /** The first log chunk seq of the next attempt. */
  logSeq: number;
}

/** The recorded attempts of an execution (its `attempts` JSON; null or anything else: none). */
export function recordedAttempts(value: unknown): RetriedAttemptRecord[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is RetriedAttemptRecord => typeof item === 'object' && item !== null && typeof (item as { attempt?: unknown }).attempt === 'number');
}

/**
 * The attempts after `attempt` is added, or undefined when it is there already (a retried report). Attempts come in
 * order: one that skips a number, or is older than the last one, is refused (a conflict).
 */
export function withAttempt(recorded: readonly RetriedAttemptRecord[], attempt: RetriedAttemptRecord): RetriedAttemptRecord[] | undefined {
  if (recorded.some((known) => known.attempt === attempt.attempt)) return undefined;
  if (attempt.attempt !== recorded.length + 1) {
    throw new TransitionRefusedError('not-allowed', `attempt ${attempt.attempt} does not follow the ${recorded.length} attempt(s) recorded`);
  }
  return [...recorded, attempt];
}

export interface ExecutionAddress {
  pipeline: string;
  stage: string;
  execution: string;
}

/** Records a retried attempt of a running execution; false when it was recorded already. */
export function recordRetriedAttempt(db: Db, workflowId: string, address: ExecutionAddress, attempt: RetriedAttemptRecord): Promise<boolean> {
  return withTransientRetry(async () => {
    const node = stepNode({ kind: 'execution', ...address });
    const current = await db.execution.findFirst({
      where: { name: address.execution, stage: { name: address.stage, pipeline: { name: address.pipeline, workflowId } } },
      select: { id: true, status: true, attempts: true },
    });
    if (!current) throw new StepNotFoundError(node);
    const next = withAttempt(recordedAttempts(current.attempts), attempt);
    if (!next) return false;
    if (current.status !== 'running') throw new TransitionRefusedError('not-allowed', `${node} is ${current.status}, not running: no attempt is retried`);
    const { count } = await db.execution.updateMany({ where: { id: current.id, status: 'running' }, data: { attempts: next as unknown as object[] } });
    if (count === 0) throw new ConcurrentChangeError(`${node} changed meanwhile; read it again`);
    return true;
  });
}
