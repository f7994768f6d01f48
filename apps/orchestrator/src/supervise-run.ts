import type { Logger } from 'pino';
import type { RunHealthWatcher } from '@factoryci/discovery';
import type { RunEvent, RunHandle, Runner, RunOutcome } from './runner.js';

export interface SuperviseRunOptions {
  runner: Runner;
  health: RunHealthWatcher;
  handle: RunHandle;
  onEvent?: (event: RunEvent) => void;
  logger?: Logger;
}

/**
 * Follows a run through its runner and its agent's health at once. When discovery reports the agent lost (its
 * heartbeat stopped: pod frozen, node gone), the run is stopped through the runner and ends as `error AgentLost`,
 * instead of waiting for a runner that may never notice. A run reported lost before this began (e.g. while the
 * orchestrator was restarting) is caught from the health snapshot.
 */
export async function superviseRun(options: SuperviseRunOptions): Promise<RunOutcome> {
  const { runner, health, handle } = options;
  let lostDetail: string | undefined;
  const markLost = (detail: string) => {
    if (lostDetail !== undefined) return;
    lostDetail = detail;
    options.logger?.warn({ runId: handle.runId, detail }, 'agent lost; stopping its run');
    runner.cancel(handle).catch((error: unknown) => options.logger?.error({ err: error, runId: handle.runId }, 'could not stop a lost run'));
  };
  const unsubscribe = health.onLost((runId, detail) => {
    if (runId === handle.runId) markLost(detail);
  });
  try {
    if (health.snapshot().get(handle.runId) === 'critical') markLost('critical when supervision began');
    const outcome = await runner.watch(handle, options.onEvent);
    if (lostDetail !== undefined && outcome.status === 'cancelled') {
      return { status: 'error', reason: 'AgentLost', message: `the agent stopped reporting its health (${lostDetail})` };
    }
    return outcome;
  } finally {
    unsubscribe();
  }
}
