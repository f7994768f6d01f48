/**
 * The runner registry: every runner kind under the name FACTORY_RUNNER gives it. A kind creates its runner from the
 * configuration and reads and writes its own stored handles (`RunnerKind` in runner.ts); a new kind is one folder
 * with its runner and its `RunnerKind`, and one line here.
 */
import { kubernetesRunnerKind } from './kubernetes/runner-kind.js';
import { localRunnerKind } from './local/runner-kind.js';
import type { RunnerKind } from './runner.js';

export const RUNNER_KINDS = {
  local: localRunnerKind,
  kubernetes: kubernetesRunnerKind,
} as const satisfies Record<string, RunnerKind>;

export type RunnerName = keyof typeof RUNNER_KINDS;

/** The registered names, the default (`local`) first. */
export const RUNNER_NAMES = Object.keys(RUNNER_KINDS) as RunnerName[];

/** FACTORY_RUNNER's default. */
export const DEFAULT_RUNNER: RunnerName = 'local';

export function isRunnerName(name: string): name is RunnerName {
  return Object.hasOwn(RUNNER_KINDS, name);
}

/** The kind registered under `name`, or undefined. */
export function runnerKind(name: string): RunnerKind | undefined {
  return isRunnerName(name) ? RUNNER_KINDS[name] : undefined;
}
