import { workflowJson } from '../serialize.js';
import type { SseStream } from './sse.js';
import { changesSince } from './status-changes.js';
import { runStream } from './stream-lifetime.js';
import type { EventStreamDeps } from './workflow-stream.js';
import { createWake } from './wake.js';

/** The workflows a project stream follows: the newest `limit`, as GET /workflows lists them. */
async function readProjectWorkflows(deps: EventStreamDeps, projectId: string, limit: number) {
  const rows = await deps.db.workflow.findMany({ where: { projectId }, orderBy: { number: 'desc' }, take: limit });
  return rows.map(workflowJson);
}

/**
 * GET /project/events: a `snapshot` of the project's newest `limit` workflows, then a `workflow` event (the workflow as
 * GET /workflows lists it) for each one created or changed, read again on any run's status notice or every
 * `rereadMs`. Every connection starts with a snapshot, so a client that reconnects has missed nothing. Never ends
 * by itself; a failed read closes it (the client reconnects).
 */
export async function streamProjectEvents(deps: EventStreamDeps, sse: SseStream, projectId: string, limit: number): Promise<void> {
  const wake = createWake();
  const unsubscribe = deps.runChanges.onStatus(() => wake.poke());
  await runStream({ sse, keepAliveMs: deps.settings.keepAliveMs, log: deps.log, context: { projectId }, unsubscribe }, async () => {
    let sent = await readProjectWorkflows(deps, projectId, limit);
    await sse.send({ event: 'snapshot', data: { workflows: sent } });
    while (!sse.signal.aborted) {
      await wake.wait(deps.settings.rereadMs, sse.signal);
      if (sse.signal.aborted) break;
      const current = await readProjectWorkflows(deps, projectId, limit);
      // oldest first, so a list that prepends shows new runs in order
      for (const change of changesSince(sent, current).reverse()) await sse.send({ event: 'workflow', data: change });
      sent = current;
    }
  });
}
