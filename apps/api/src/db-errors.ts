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
const UNAVAILABLE_MESSAGES = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|connect(ion)? (timeout|refused|closed)|pool timeout|Can't reach database|Server has closed the connection|Too many connections|retrieve (a )?connection from pool|socket has unexpectedly been closed/i;
/**
 * The MariaDB driver's own error numbers for "no connection" (Prisma's driver adapter hands them on as
 * `meta.driverAdapterError.cause.code`): the socket closed (45009) or failed (45019), connecting timed out (45012), the
 * connection was closed under a command (45013), the socket timed out (45026), the pool gave none in time (45028), the
 * connection's set-up statement failed (45030); or MySQL's 1040, too many connections.
 */
const UNAVAILABLE_DRIVER_CODES = new Set([45009, 45012, 45013, 45019, 45026, 45028, 45030, 1040]);

/** The driver's error number: under a Prisma error from the driver adapter, or the driver's own (`errno`), if any. */
function driverCodeOf(e: unknown): number | undefined {
  const code = ((e as ErrorLike | null)?.meta as { driverAdapterError?: { cause?: { code?: unknown } } } | undefined)?.driverAdapterError?.cause?.code;
  if (typeof code === 'number') return code;
  const errno = (e as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/**
 * The database cannot be reached or gives no connection, or a deadlock / lock wait timeout outlasted the retries inside
 * (`withTransientRetry`): the request may succeed when retried later (503), it is never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isTransientDatabaseError(error)) return true;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as ErrorLike).cause, depth++) {
    const code = codeOf(e);
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
    const driverCode = driverCodeOf(e);
    if (driverCode !== undefined && UNAVAILABLE_DRIVER_CODES.has(driverCode)) return true;
    if ((e as ErrorLike).name === 'PrismaClientInitializationError') return true;
    if (UNAVAILABLE_MESSAGES.test(messageOf(e))) return true;
  }
  return false;
}

function messageOf(error: unknown): string {
  const message = (error as ErrorLike | null)?.message;
  return typeof message === 'string' ? message : '';
}
