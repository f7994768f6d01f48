/** Recognising database failures by kind (Prisma error codes and driver errors). */
import { isTransientDatabaseError } from '@factoryci/db';

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: unknown;
}

const codeOf = (e: unknown): string | undefined =>
  typeof (e as ErrorLike | null)?.code === 'string' ? ((e as ErrorLike).code as string) : undefined;

/** A unique constraint rejected the write (Prisma P2002 / MySQL ER_DUP_ENTRY 1062). */
export function isUniqueViolation(error: unknown): boolean {
  return codeOf(error) === 'P2002' || /Duplicate entry|Unique constraint failed/i.test(messageOf(error));
}

/** A foreign key rejected the write or delete (Prisma P2003 / MySQL 1451). */
export function isForeignKeyViolation(error: unknown): boolean {
  return codeOf(error) === 'P2003' || /Foreign key constraint/i.test(messageOf(error));
}

/** The record to update or delete does not exist (Prisma P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return codeOf(error) === 'P2025';
}

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ER_GET_CONNECTION_TIMEOUT']);
const UNAVAILABLE_MESSAGES = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|connect(ion)? (timeout|refused|closed)|pool timeout|Can't reach database|Server has closed the connection|Too many connections|retrieve connection from pool|socket has unexpectedly been closed/i;

/**
 * The database cannot be reached or gives no connection, or a deadlock / lock wait timeout outlasted the retries inside
 * (`withTransientRetry`): the request may succeed when retried later (503), it is never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isTransientDatabaseError(error)) return true;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as ErrorLike).cause, depth++) {
    const code = codeOf(e);
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
    if ((e as ErrorLike).name === 'PrismaClientInitializationError') return true;
    if (UNAVAILABLE_MESSAGES.test(messageOf(e))) return true;
  }
  return false;
}

function messageOf(error: unknown): string {
  const message = (error as ErrorLike | null)?.message;
  return typeof message === 'string' ? message : '';
}
