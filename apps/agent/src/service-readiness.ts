import { connect } from 'node:net';
import { formatLocation, type ServiceSpec } from '@factoryci/config';
import { formatDuration } from '@factoryci/run-state';

/**
 * The runner's services (`service` blocks, docs/factory-hcl.md "Services"): whether this agent's runner started them,
 * and waiting, before the first stage, until each declared port accepts TCP on localhost.
 */

/** FACTORY_SERVICES: the services the runner started next to the agent, as JSON `[{ "name": "db", "ports": [3306] }]`. */
export const SERVICES_ENV = 'FACTORY_SERVICES';

export interface ProvidedService {
  name: string;
  ports: number[];
}

/** FACTORY_SERVICES' value for the services a runner starts. */
export function providedServicesEnv(services: readonly ProvidedService[]): string {
  return JSON.stringify(services.map((service) => ({ name: service.name, ports: [...service.ports] })));
}

/** The services FACTORY_SERVICES names; undefined when it is not set (the runner starts none). */
export function providedServicesFromEnv(value: string | undefined): ProvidedService[] | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${SERVICES_ENV} is not JSON`);
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (entry: unknown) =>
        typeof entry === 'object' && entry !== null && typeof (entry as ProvidedService).name === 'string' && Array.isArray((entry as ProvidedService).ports) && (entry as ProvidedService).ports.every((port) => Number.isInteger(port)),
    );
  if (!valid) throw new Error(`${SERVICES_ENV} is not a list of { "name": ..., "ports": [...] }`);
  return parsed as ProvidedService[];
}

/**
 * Why the run cannot go on with the services its configuration declares, or undefined: each declared service must
 * have been started by the runner (`provided`), with the same ports. A runner that starts no services (`provided`
 * undefined: the local runner) refuses a configuration that declares any, rather than running without them.
 */
export function servicesProblem(declared: readonly ServiceSpec[] | undefined, provided: readonly ProvidedService[] | undefined): string | undefined {
  if (!declared?.length) return undefined;
  const problems = declared.flatMap((service) => {
    const at = `${formatLocation(service.location)}: service "${service.name}"`;
    if (!provided) return [`${at}: the runner started no services (the local runner never does); run this workflow on the Kubernetes runner, or remove the service block`];
    const started = provided.find((entry) => entry.name === service.name);
    if (!started) return [`${at} was not started by the runner (its pod was made from another configuration)`];
    const same = started.ports.length === service.ports.length && started.ports.every((port, i) => port === service.ports[i]);
    return same ? [] : [`${at}: the runner started it with ports [${started.ports.join(', ')}], the configuration declares [${service.ports.join(', ')}]`];
  });
  return problems.length > 0 ? problems.join('\n') : undefined;
}

/** A service's port did not accept connections in time. */
export class ServiceNotReadyError extends Error {
  constructor(
    readonly service: string,
    readonly port: number,
    readonly timeoutMs: number,
    readonly lastError: string,
  ) {
    super(`service "${service}" is not ready: localhost:${port} did not accept a TCP connection within ${formatDuration(timeoutMs)} (${lastError})`);
    this.name = 'ServiceNotReadyError';
  }
}

export interface ReadinessOptions {
  /** How long, in all, the services may take. */
  timeoutMs: number;
  /** Pause between two attempts on a port. */
  intervalMs?: number;
  /** Longest one connection attempt may take. */
  attemptMs?: number;
  host?: string;
  signal?: AbortSignal;
  /** Told of each port once it accepts a connection. */
  onReady?: (service: string, port: number) => void;
}

/** One TCP connection attempt: resolves true when it connected (and closes it), else the error's code. */
function tryConnect(host: string, port: number, attemptMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(attemptMs, () => done('connection timed out'));
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until every port of every service accepts a TCP connection on localhost, in declaration order, all within
 * `timeoutMs` (bounded: the last attempt is cut to the time left). Rejects with ServiceNotReadyError naming the first
 * service and port that did not, or with the signal's reason when aborted.
 */
export async function waitForServices(services: readonly Pick<ServiceSpec, 'name' | 'ports'>[], options: ReadinessOptions): Promise<void> {
  const { timeoutMs, intervalMs = 250, attemptMs = 1000, host = '127.0.0.1', signal } = options;
  const started = Date.now();
  for (const service of services) {
    for (const port of service.ports) {
      for (;;) {
        signal?.throwIfAborted();
        const left = timeoutMs - (Date.now() - started);
        const result = await tryConnect(host, port, Math.max(1, Math.min(attemptMs, left)));
        if (result === true) {
          options.onReady?.(service.name, port);
          break;
        }
        const remaining = timeoutMs - (Date.now() - started);
        if (remaining <= 0) throw new ServiceNotReadyError(service.name, port, timeoutMs, result);
        await pause(Math.min(intervalMs, remaining), signal);
      }
    }
  }
  signal?.throwIfAborted();
}
