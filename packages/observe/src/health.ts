/**
 * "Gone" or "could not ask": the health of a dependency (the database, Redis) as a probe reports it. A check that
 * fails says why —
 *
 * - `unreachable`: nothing answers at its address (connection refused, no route, no such host): it is gone;
 * - `timeout`: something listens there, but the question was not answered in time (a hung server, a full pool);
 * - `error`: something listens there and the question failed (a wrong password, an unknown database, a client that is
 *   not connected yet).
 *
 * The driver does not tell these apart by itself (the database pool answers a refused connection and a wrong password
 * alike, with a pool timeout after many seconds), so a failed question is followed by a TCP connect to the address.
 * The whole check is bounded by its timeout: a hung dependency cannot hang the probe.
 */
import { connect } from 'node:net';
import { parseDatabaseUrl } from '@factoryci/db';

export type DependencyHealth = 'ok' | 'unreachable' | 'timeout' | 'error';

export const DEPENDENCY_HEALTH = ['ok', 'unreachable', 'timeout', 'error'] as const satisfies readonly DependencyHealth[];

export interface Address {
  host: string;
  port: number;
}

export interface Dependency {
  /** Where it listens, for the connect that tells "unreachable" from the rest. */
  address: Address;
  /** Asks it something trivial: resolves true when it is healthy; false or a rejection is a failure. */
  ask(): Promise<boolean>;
}

/** The database at `databaseUrl` (mysql://…), asked `SELECT 1` by `query`. */
export function databaseDependency(databaseUrl: string, query: (sql: string) => Promise<unknown>): Dependency {
  const { host, port } = parseDatabaseUrl(databaseUrl);
  return { address: { host, port }, ask: async () => (await query('SELECT 1'), true) };
}

/** The address of a redis:// or rediss:// URL (port 6379 when none is given). */
export function redisAddress(redisUrl: string): Address {
  const url = new URL(redisUrl);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: url.port ? Number(url.port) : 6379 };
}

/** A Redis client (ioredis) that is asked PING; one that is not connected fails at once (no offline queue wait). */
export function redisDependency(redisUrl: string, redis: { status: string; ping(): Promise<string> }): Dependency {
  return { address: redisAddress(redisUrl), ask: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG' };
}

/**
 * Checks `dependency` within `timeoutMs`: the question gets most of it, the connect (only after a failure) the rest.
 * Never throws.
 */
export async function checkDependency(dependency: Dependency, timeoutMs = 2000): Promise<DependencyHealth> {
  const connectMs = Math.min(500, Math.floor(timeoutMs / 4));
  const answer = await within(dependency.ask().then((ok) => (ok ? ('ok' as const) : ('error' as const)), () => 'error' as const), timeoutMs - connectMs);
  if (answer === 'ok') return 'ok';
  return (await connects(dependency.address, connectMs)) ? (answer ?? 'timeout') : 'unreachable';
}

/** Whether a TCP connection to `address` opens within `timeoutMs` (it is closed at once). */
export function connects(address: Address, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `promise`'s value, or undefined when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
