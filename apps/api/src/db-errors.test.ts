import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './db-errors.js';

/** What Prisma's driver adapter throws when the MariaDB driver fails (the shape of a P2039 error's meta). */
const adapterError = (code: number, message: string) =>
  Object.assign(new Error(`Database error. Code: \`${code}\`. Message: \`${message}\``), {
    code: 'P2039',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'mysql', code, originalCode: String(code), message } } },
  });

describe('isDatabaseUnavailable', () => {
  it.each([
    [45028, 'pool failed to retrieve a connection from pool (pool connections: active=0 idle=0 limit=10)'],
    [45030, 'Error executing initial sql command: socket has unexpectedly been closed'],
    [45012, 'Connection timeout: failed to create socket after 1000ms'],
    [1040, 'Too many connections'],
  ])('recognises the driver\'s %i as "no database" (503, not 500)', (code, message) => {
    expect(isDatabaseUnavailable(adapterError(code, message))).toBe(true);
  });

  it('recognises the pool message of the driver\'s 3.4 and 3.5 releases without a code', () => {
    expect(isDatabaseUnavailable(new Error('retrieve connection from pool timeout after 500ms'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('pool failed to retrieve a connection from pool'))).toBe(true);
  });

  it('leaves errors of the statement itself alone', () => {
    expect(isDatabaseUnavailable(adapterError(1146, "Table 'factory.nope' doesn't exist"))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }))).toBe(false);
  });

  it('recognises the driver\'s own errors (a raw driver transaction: appendLogChunks) by their errno', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('closed'), { errno: 45009, code: 'ER_SOCKET_UNEXPECTED_CLOSE' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('closed under a command'), { errno: 45013, code: 'ER_CMD_CONNECTION_CLOSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("Duplicate entry 'x' for key"), { errno: 1062, code: 'ER_DUP_ENTRY' }))).toBe(false);
  });
});
