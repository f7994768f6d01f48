/**
 * The orchestrator's Prometheus metrics (served by the health server, `GET /metrics`), on one registry per process:
 * the shared process and error metrics, and the two run timings it observes (processing/run-timings.ts).
 */
import { createProcessMetrics, Histogram, Registry, type ProcessMetrics } from '@factoryci/observe';

export interface OrchestratorMetrics extends ProcessMetrics {
  reactionSeconds: Histogram;
  runDurationSeconds: Histogram<'status'>;
}

export function createOrchestratorMetrics(registry: Registry = new Registry()): OrchestratorMetrics {
  const registers = [registry];
  return {
    ...createProcessMetrics('orchestrator', registry),
    reactionSeconds: new Histogram({
      name: 'factoryci_run_reaction_seconds',
      help: 'From the workflow accepted (its delivery committed) to its run started (running)',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    runDurationSeconds: new Histogram({
      name: 'factoryci_run_duration_seconds',
      help: 'From the run started (running) to the workflow finished, by final status',
      labelNames: ['status'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
      registers,
    }),
  };
}
