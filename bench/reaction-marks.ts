/**
 * The reaction bench's reading of what the system records about one run: the orchestrator's and the agent's pino
 * lines (with the run id) and the first execution's own clock, into the moments of a run and the parts between them.
 * Pure, tested as data in test/bench/reaction-marks.test.ts.
 */

/** Where each moment of a run comes from. */
export const REACTION_MARKS = {
  /** the orchestrator's line after admission (the workflow is `provisioning`) */
  admitted: { from: 'orchestrator', msg: 'provisioning' },
  /**
   * the orchestrator's line once the runner handed the run to a warm agent (its claim written), else once it started
   * a fresh one (its handle stored, logged after the claim too)
   */
  runnerStarted: { from: 'orchestrator', msg: ['claimed a warm agent', 'runner started'] },
  /** the agent's first line, once node and its modules are loaded */
  agentStarted: { from: 'agent', msg: 'agent started' },
  /** the agent's line once it has its run from the API (its `running` report is then under way) */
  runReceived: { from: 'agent', msg: 'run received' },
  /** the agent's line once the commits are fetched (the work tree is then written beside the planning) */
  fetched: { from: 'agent', msg: 'fetched' },
  /** the agent's line after reading, validating and planning `.factory/` (from git's objects) */
  planned: { from: 'agent', msg: 'planned' },
} as const;

export type MarkName = keyof typeof REACTION_MARKS;

/** The parts of the reaction, each from one moment to the next (ms). */
export const REACTION_PARTS = [
  ['queue wait and admission', 'accepted', 'admitted'],
  ['provisioning (runner block, token, runner start)', 'admitted', 'runnerStarted'],
  ["agent start (process, node, the agent's modules)", 'runnerStarted', 'agentStarted'],
  ['run from the API (GET run; POST running goes on beside the checkout)', 'agentStarted', 'runReceived'],
  ['fetch (git fetch of the commit)', 'runReceived', 'fetched'],
  ['parse + plan (beside the work tree\'s checkout)', 'fetched', 'planned'],
  ['plan reported and checkout done, spawn of the first execution', 'planned', 'executionStarted'],
] as const;

/** The moments of a run: the push accepted and the execution started are always known; the others when logged. */
export type Moments = Partial<Record<MarkName, number>> & { accepted: number; executionStarted: number };

/** A pino line's time in ms since the epoch: `time` as a number (the orchestrator) or an ISO string (the agent). */
function timeOf(line: { time?: unknown }): number | undefined {
  if (typeof line.time === 'number') return line.time;
  if (typeof line.time === 'string') {
    const ms = Date.parse(line.time);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * The first time each mark's message (any of them, for a mark with several) was logged for `runId` in the
 * orchestrator's and the agent's output (JSON lines; other lines are skipped); the marks never logged are missing.
 */
export function marksOf(runId: string, output: { orchestrator: string; agent: string }): Partial<Record<MarkName, number>> {
  const marks: Partial<Record<MarkName, number>> = {};
  for (const from of ['orchestrator', 'agent'] as const) {
    for (const text of output[from].split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: { runId?: unknown; msg?: unknown; time?: unknown };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        continue;
      }
      if (line.runId !== runId) continue;
      for (const [name, mark] of Object.entries(REACTION_MARKS) as [MarkName, (typeof REACTION_MARKS)[MarkName]][]) {
        const at = timeOf(line);
        const said = typeof line.msg === 'string' && (typeof mark.msg === 'string' ? line.msg === mark.msg : (mark.msg as readonly string[]).includes(line.msg));
        if (mark.from === from && said && marks[name] === undefined && at !== undefined) marks[name] = at;
      }
    }
  }
  return marks;
}

/** The first line of an execution's output as the ms clock reading it printed first (`date +%s%3N`). */
export function clockReadingOf(output: string): number | undefined {
  const first = output.split('\n', 1)[0]?.trim() ?? '';
  return /^\d{13}$/.test(first) ? Number(first) : undefined;
}

/**
 * Every part of the reaction (ms) whose two moments are known, and the whole, accepted → the execution's process
 * started. An agent that started before its run was handed to it (a warm one, from a pool) has an agent start of 0.
 */
export function reactionParts(moments: Moments): { parts: Partial<Record<(typeof REACTION_PARTS)[number][0], number>>; totalMs: number } {
  const { agentStarted, runnerStarted } = moments;
  const known: Partial<Record<MarkName | 'accepted' | 'executionStarted', number>> = {
    ...moments,
    ...(agentStarted !== undefined && runnerStarted !== undefined ? { agentStarted: Math.max(agentStarted, runnerStarted) } : {}),
  };
  const parts: Partial<Record<(typeof REACTION_PARTS)[number][0], number>> = {};
  for (const [name, from, to] of REACTION_PARTS) {
    const start = known[from];
    const end = known[to];
    if (start !== undefined && end !== undefined) parts[name] = end - start;
  }
  return { parts, totalMs: moments.executionStarted - moments.accepted };
}
