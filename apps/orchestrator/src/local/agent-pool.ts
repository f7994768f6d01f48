/**
 * The local runner's pool of warm agents (docs/runners.md, "Warm agents"): idle agents started ahead of work, each
 * waiting for its claim on a pipe only this orchestrator holds (apps/agent/src/server/claim.ts). `take` hands out the
 * oldest live one for exactly one run and starts a replacement at once; an agent is never handed out twice. How many
 * to start and when is `poolTopUp` (pool-decisions.ts); how an agent is started and cleaned up is the runner's
 * (local-runner.ts), passed in.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { poolTopUp } from '../pool-decisions.js';

/** The claim channel's protocol, as the agent reads it (apps/agent/src/server/claim.ts; keep both in step). */
export const CLAIM_ENV = 'FACTORY_AGENT_CLAIM';
export const UNCLAIMED_EXIT = 75;

/** The claim line the agent reads: its run and its run token. */
export function claimLine(runId: string, token: string): string {
  return `${JSON.stringify({ runId, token })}\n`;
}

/** One idle agent, as the runner started it. */
export interface IdleAgent {
  /** Its directory (a run directory without a run yet). */
  directory: string;
  /** Its supervisor's pid (the leader of its process group). */
  pid: number;
  /** Its supervisor. */
  child: ChildProcess;
  /** Writes `line` on the claim channel and closes it; false when the channel is no longer open. */
  hand(line: string): boolean;
  /** Closes the claim channel without a claim: the agent exits with UNCLAIMED_EXIT. */
  release(): void;
}

export interface AgentPoolDeps {
  /** How many idle agents to keep; 0: none. */
  size: number;
  /** Starts one idle agent. */
  start(): Promise<IdleAgent>;
  /** An idle agent ended before it was claimed (`expected`: the pool released it): clean up what it left. */
  ended(agent: IdleAgent, expected: boolean): void;
  logger: Logger;
}

export interface AgentPool {
  /** Starts the idle agents the pool lacks. */
  fill(): void;
  /** The oldest live idle agent, now claimed (its replacement is started), or undefined when none is idle. */
  take(): IdleAgent | undefined;
  /** How many agents are idle and how many are being started. */
  counts(): { idle: number; starting: number };
  /** Starts no more agents and releases the idle ones (they exit); resolves once they have. */
  close(): Promise<void>;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export function createAgentPool(deps: AgentPoolDeps): AgentPool {
  const idle: IdleAgent[] = [];
  let starting = 0;
  let failuresInARow = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const log = deps.logger;

  const state = () => ({ size: deps.size, idle: idle.length, starting, failuresInARow, closed });

  function fill(): void {
    if (timer) return;
    const decision = poolTopUp(state());
    if (decision.start === 0) return;
    if (decision.afterMs === 0) return launch(decision.start);
    timer = setTimeout(() => {
      timer = undefined;
      launch(poolTopUp(state()).start);
    }, decision.afterMs);
    timer.unref();
  }

  function failed(): void {
    failuresInARow += 1;
    fill();
  }

  function adopt(agent: IdleAgent): void {
    starting -= 1;
    idle.push(agent);
    const onExit = () => {
      const index = idle.indexOf(agent);
      if (index < 0) return; // claimed: the run's watch follows it
      idle.splice(index, 1);
      deps.ended(agent, closed);
      if (closed) return;
      log.warn({ pid: agent.pid, directory: agent.directory }, 'an idle agent ended before it was claimed; starting another');
      failed();
    };
    if (!running(agent.child)) return onExit();
    agent.child.once('exit', onExit);
    if (closed) agent.release(); // started while the pool closed
  }

  function launch(count: number): void {
    for (let i = 0; i < count; i += 1) {
      starting += 1;
      deps.start().then(adopt, (error: unknown) => {
        starting -= 1;
        log.warn({ err: error }, 'could not start an idle agent');
        if (!closed) failed();
      });
    }
  }

  function take(): IdleAgent | undefined {
    while (idle.length > 0) {
      const agent = idle.shift() as IdleAgent;
      if (!running(agent.child)) continue; // its exit handler cleans up
      failuresInARow = 0;
      fill();
      return agent;
    }
    return undefined;
  }

  async function close(): Promise<void> {
    closed = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const leaving = idle.filter((agent) => running(agent.child));
    const exits = leaving.map((agent) => new Promise<void>((resolve) => agent.child.once('exit', () => resolve())));
    for (const agent of leaving) agent.release();
    await Promise.all(exits);
  }

  return { fill, take, counts: () => ({ idle: idle.length, starting }), close };
}
