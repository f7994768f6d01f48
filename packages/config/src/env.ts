import type { Execution, Pipeline } from './model.js';

/** The variables an execution gets from the configuration: its pipeline's `env`, overridden by its own `env`. */
export function effectiveEnv(pipeline: Pipeline, execution: Execution): Record<string, string> {
  return { ...pipeline.env, ...execution.env };
}
