/**
 * The decisions of a runner's pool of warm agents (docs/runners.md, "Warm agents"), pure and runner-agnostic: whether
 * a workflow may take a pooled agent, and how many idle agents to start and when.
 */
import type { RunnerRequest } from './runner.js';

/** What a pool's agents are: what a workflow's `runner` block must not ask beyond. */
export interface PoolShape {
  /**
   * Whether the runner applies the `runner` block at all. The local runner does not (image, cpu and memory do not
   * apply to a local process, and it runs no services): a pooled agent is then what a fresh one would be.
   */
  appliesRunnerBlock: boolean;
  /** The pool's agents' image, cpu and memory (the runner's defaults). */
  image?: string;
  cpu?: string;
  memory?: string;
}

export type PoolFit = { fits: true } | { fits: false; why: string };

/**
 * Whether a workflow whose `runner` block is `request` (undefined or null: none, or not read) may take one of the
 * pool's agents: only when it asks for nothing the pool's agents are not — no other image, cpu or memory, no service.
 * Otherwise it gets a fresh agent made for it.
 */
export function poolFit(request: RunnerRequest | null | undefined, shape: PoolShape): PoolFit {
  if (!shape.appliesRunnerBlock || !request) return { fits: true };
  if ((request.services?.length ?? 0) > 0) return { fits: false, why: 'its runner block declares services' };
  for (const key of ['image', 'cpu', 'memory'] as const) {
    const asked = request[key];
    if (asked !== undefined && asked !== null && asked !== shape[key]) return { fits: false, why: `its runner block asks for ${key} ${asked}` };
  }
  return { fits: true };
}

/** What the pool knows when it decides to start agents. */
export interface PoolState {
  /** The configured size; 0: no pool. */
  size: number;
  /** Idle agents alive and not claimed. */
  idle: number;
  /** Agents being started (not yet idle). */
  starting: number;
  /** Idle agents (or their starts) that failed one after the other, without a claim or a healthy start between. */
  failuresInARow: number;
  /** The pool is closing: it starts nothing. */
  closed: boolean;
}

export interface TopUp {
  /** How many agents to start. */
  start: number;
  /** After how long (0: now). */
  afterMs: number;
}

/** The longest wait before the pool tries again after failures. */
export const MAX_TOP_UP_DELAY_MS = 30_000;
const FIRST_RETRY_DELAY_MS = 500;

/**
 * How many idle agents to start, and when (pure): as many as the pool lacks, at once; after failures in a row (an
 * agent that cannot start, or dies while idle), later and later — 0.5 s, 1 s, 2 s… up to 30 s — so that a broken agent
 * command does not start agents in a loop.
 */
export function poolTopUp(state: PoolState): TopUp {
  const lacking = state.closed ? 0 : Math.max(0, state.size - state.idle - state.starting);
  if (lacking === 0) return { start: 0, afterMs: 0 };
  if (state.failuresInARow === 0) return { start: lacking, afterMs: 0 };
  const afterMs = Math.min(MAX_TOP_UP_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** (state.failuresInARow - 1));
  // after a failure, one at a time: the next start tells whether the cause is gone
  return { start: state.starting > 0 ? 0 : 1, afterMs };
}
