/**
 * The metrics every FactoryCI process has, on the registry it is given (one per process, passed in — never prom-client's
 * global one): Node's process metrics, and the errors of the database and of Redis by where they were caught.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Which process reports (a label of the error counters, so one dashboard can sum both). */
export type ProcessName = 'api' | 'orchestrator';

export interface ProcessMetrics {
  registry: Registry;
  /** One database error caught at `component` (a request answered 503, a retried write, the pool failing to connect…). */
  databaseError(component: string): void;
  /** One Redis error caught at `component` (a connection error event, a failed command). */
  redisError(component: string): void;
}

export function createProcessMetrics(process: ProcessName, registry: Registry = new Registry()): ProcessMetrics {
  collectDefaultMetrics({ register: registry });
  const labelNames = ['process', 'component'] as const;
  const database = new Counter({
    name: 'factoryci_database_errors_total',
    help: 'Database errors caught, by process and by where they were caught (component)',
    labelNames,
    registers: [registry],
  });
  const redis = new Counter({
    name: 'factoryci_redis_errors_total',
    help: 'Redis errors caught, by process and by where they were caught (component)',
    labelNames,
    registers: [registry],
  });
  return {
    registry,
    databaseError: (component) => database.inc({ process, component }),
    redisError: (component) => redis.inc({ process, component }),
  };
}

/** Bounds the cost of a value read at scrape time: read at most once per `maxAgeMs`, scrapes in between share it. */
export function cached<T>(read: () => Promise<T>, maxAgeMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || now() - last.at >= maxAgeMs) {
      const value = read();
      last = { at: now(), value };
      // a failed read is not kept: the next scrape asks again
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}
