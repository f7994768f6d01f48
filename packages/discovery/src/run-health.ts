import type Consul from 'consul';
import type { Logger as PinoLogger } from 'pino';
import { IDLE_TAG } from './claim-channel.js';

/** What discovery logs with: any pino-compatible logger (pino itself, Fastify's). */
type Logger = Pick<PinoLogger, 'info' | 'warn'>;

export type HealthStatus = 'passing' | 'warning' | 'critical';

/** Follows the health of the running agents (one service instance per run, id = run id). */
export interface RunHealthWatcher {
  /** Resolves once the first state has been read. */
  readonly ready: Promise<void>;
  /** The last known health of each registered run. */
  snapshot(): Map<string, HealthStatus>;
  /** `listener` is called once per run whose health went critical: the run is lost. Returns an unsubscribe. */
  onLost(listener: (runId: string, detail: string) => void): () => void;
  close(): void;
}

export interface HealthEntry {
  Node?: { Address?: string };
  Service?: { ID?: string; Address?: string; Port?: number; Tags?: string[] | null };
  Checks?: { Status?: string; Output?: string; CheckID?: string }[];
}

const ORDER: Record<HealthStatus, number> = { passing: 0, warning: 1, critical: 2 };

/** Worst status of an instance's checks (node checks count: a lost node loses its runs). */
export function entryHealth(entry: HealthEntry): { status: HealthStatus; detail: string } {
  let status: HealthStatus = 'passing';
  let detail = '';
  for (const check of entry.Checks ?? []) {
    const checkStatus = (check.Status ?? 'critical') as HealthStatus;
    if ((ORDER[checkStatus] ?? 2) > ORDER[status]) {
      status = checkStatus in ORDER ? checkStatus : 'critical';
      detail = `${check.CheckID ?? 'check'}: ${check.Output ?? ''}`.trim();
    }
  }
  return { status, detail };
}

export interface ConsulRunHealthOptions {
  consul: Consul;
  service?: string;
  /** Longest a blocking query waits for a change (a Consul duration). */
  wait?: string;
  logger?: Logger;
}

/**
 * Follows `/v1/health/service/factory-agent` with blocking queries; a run whose check is critical is lost. Idle agents
 * of a warm pool (tag `idle`) are not runs and are left out.
 */
export function consulRunHealthWatcher(options: ConsulRunHealthOptions): RunHealthWatcher {
  const listeners = new Set<(runId: string, detail: string) => void>();
  const health = new Map<string, HealthStatus>();
  const reported = new Set<string>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const watch = options.consul.watch({
    method: options.consul.health.service,
    options: { service: options.service ?? 'factory-agent', wait: options.wait ?? '30s' },
    backoffFactor: 100,
    backoffMax: 5000,
  });
  watch.on('change', (entries: HealthEntry[]) => {
    const seen = new Set<string>();
    for (const entry of entries) {
      const runId = entry.Service?.ID;
      // an idle agent of a warm pool is no run (its pool looks after it: apps/orchestrator/src/kubernetes/agent-pool.ts)
      if (!runId || entry.Service?.Tags?.includes(IDLE_TAG)) continue;
      seen.add(runId);
      const { status, detail } = entryHealth(entry);
      health.set(runId, status);
      if (status === 'critical' && !reported.has(runId)) {
        reported.add(runId);
        options.logger?.warn({ runId, detail }, 'agent health is critical: run lost');
        for (const listener of listeners) listener(runId, detail);
      }
      if (status !== 'critical') reported.delete(runId);
    }
    for (const runId of [...health.keys()]) {
      if (!seen.has(runId)) {
        health.delete(runId);
        reported.delete(runId);
      }
    }
    markReady();
  });
  watch.on('error', (error: unknown) => options.logger?.warn({ err: error }, 'consul health watch failed; retrying'));
  return {
    ready,
    snapshot: () => new Map(health),
    onLost(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => watch.end(),
  };
}

/** Without Consul: no health information; a run is followed through its runner alone and is never reported lost. */
export function staticRunHealthWatcher(): RunHealthWatcher {
  return { ready: Promise.resolve(), snapshot: () => new Map(), onLost: () => () => {}, close: () => {} };
}
