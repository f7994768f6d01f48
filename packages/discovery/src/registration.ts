import type Consul from 'consul';
import type { CheckOptions } from 'consul/lib/agent/check.js';
import type { Logger as PinoLogger } from 'pino';

/** What discovery logs with: any pino-compatible logger (pino itself, Fastify's). */
type Logger = Pick<PinoLogger, 'info' | 'warn'>;
import { consulStatus } from './consul-client.js';

/** A service instance kept registered (and its TTL check kept passing) while its process lives. */
export interface ServiceRegistration {
  start(): Promise<void>;
  /** Stops heart-beating and deregisters. */
  stop(): Promise<void>;
}

export interface ConsulRegistrationOptions {
  consul: Consul;
  /** Service name: `factory-agent` for agents, `factory-api` for the API. */
  service: string;
  /** Instance id; an agent uses its run id. */
  id: string;
  address: string;
  port: number;
  meta?: Record<string, string>;
  /** Consul tags, e.g. `idle` for a pooled agent waiting for its claim. */
  tags?: string[];
  /** The check turns critical when not passed for this long. */
  ttlSeconds?: number;
  /** How often the check is passed; default a third of the TTL. */
  heartbeatMs?: number;
  /** Consul removes an instance whose check stayed critical this long (a Consul duration). */
  deregisterCriticalAfter?: string;
  logger?: Logger;
}

/** The id of the TTL check Consul creates for a service registered with one check. */
export function serviceCheckId(id: string): string {
  return `service:${id}`;
}

/**
 * The output of every heartbeat: always the same. A Consul agent syncs a check whose output changed to the servers
 * (every `check_update_interval`, 5 minutes by default), and each sync wakes the blocking health queries the
 * orchestrators hold: a timestamp in it would wake them once per agent and interval (≈3/s for 1,000 agents).
 */
export const HEARTBEAT_NOTE = 'alive';

/**
 * Registers the instance with a TTL check that starts passing, passes it every `heartbeatMs`, re-registers when Consul
 * lost the registration (404 on pass, e.g. after a Consul agent restart), and deregisters on stop.
 */
export function consulServiceRegistration(options: ConsulRegistrationOptions): ServiceRegistration {
  const ttlSeconds = options.ttlSeconds ?? 15;
  const heartbeatMs = options.heartbeatMs ?? Math.max(100, (ttlSeconds * 1000) / 3);
  const checkId = serviceCheckId(options.id);
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();

  async function register(): Promise<void> {
    const registration = {
      name: options.service,
      id: options.id,
      address: options.address,
      port: options.port,
      meta: options.meta ?? {},
      ...(options.tags ? { tags: options.tags } : {}),
      // starts passing so that a run is not taken for lost before its first heartbeat; the typings demand a
      // `timeout`, which only interval checks use
      check: {
        name: `${options.service} ${options.id} heartbeat`,
        ttl: `${ttlSeconds}s`,
        status: 'passing',
        deregistercriticalserviceafter: options.deregisterCriticalAfter ?? '10m',
      } as CheckOptions,
    };
    await options.consul.agent.service.register(registration);
  }

  async function heartbeat(): Promise<void> {
    try {
      await options.consul.agent.check.pass({ id: checkId, note: HEARTBEAT_NOTE });
    } catch (error) {
      if (consulStatus(error) !== 404) {
        options.logger?.warn({ err: error, service: options.service, id: options.id }, 'consul heartbeat failed');
        return;
      }
      options.logger?.warn({ service: options.service, id: options.id }, 'consul lost the registration; registering again');
      await register().catch((err: unknown) => options.logger?.warn({ err }, 'consul re-registration failed'));
    }
  }

  return {
    async start() {
      await register();
      options.logger?.info({ service: options.service, id: options.id, address: options.address, port: options.port }, 'registered in consul');
      timer = setInterval(() => {
        beating = beating.then(heartbeat);
      }, heartbeatMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await beating;
      try {
        await options.consul.agent.service.deregister({ id: options.id });
        options.logger?.info({ service: options.service, id: options.id }, 'deregistered from consul');
      } catch (error) {
        if (consulStatus(error) !== 404) throw error;
      }
    },
  };
}

/** Without Consul: nothing to register; the orchestrator follows runs through their runner only. */
export function staticServiceRegistration(): ServiceRegistration {
  return { start: async () => {}, stop: async () => {} };
}
