import { inputVariable } from '@factoryci/agent-protocol';
import type { RunContext } from './run-model.js';

/**
 * The environment of one execution, in increasing precedence:
 * 1. the base environment the caller passes in (the local CLI: its own environment; a server-run agent: a filtered
 *    one) — the engine never reads `process.env` itself;
 * 2. the CI variables (`CI`, `FACTORY`, `FACTORY_EVENT`, `FACTORY_BRANCH`, `FACTORY_TAG`, `FACTORY_PIPELINE`,
 *    `FACTORY_STAGE`, `FACTORY_EXECUTION`, `FACTORY_WORKSPACE`), and a server run's variables of its workflow
 *    (`runVariables`: `FACTORY_SHA`, `FACTORY_RUN_NUMBER`, …; server/run-variables.ts);
 * 3. the pipeline's `env`; 4. the execution's `env`;
 * 5. a manual trigger's inputs, each as `INPUT_<NAME>` (so a `.factory` env entry `INPUT_X` is a default the trigger
 *    overrides; being `INPUT_` names they never replace a `FACTORY_*` variable);
 * 6. the execution's declared secrets (a secret named `INPUT_X` wins over the input).
 * `FACTORY_BRANCH` / `FACTORY_TAG` are only set when the event has a branch / tag.
 */
export interface ExecutionEnvInput {
  baseEnv: Readonly<Record<string, string | undefined>>;
  context: RunContext;
  pipeline: string;
  stage: string;
  execution: string;
  /** The absolute path of the checkout. */
  workspace: string;
  pipelineEnv: Readonly<Record<string, string>>;
  executionEnv: Readonly<Record<string, string>>;
  /** The declared secrets' values (all of them present: missing ones are caught before). */
  secrets: Readonly<Record<string, string>>;
  /** A manual trigger's inputs by name (without the `INPUT_` prefix); none otherwise. */
  inputs?: Readonly<Record<string, string>>;
  /** The run's variables of its workflow (server/run-variables.ts); none for `factory-agent run`. */
  runVariables?: Readonly<Record<string, string>>;
}

export function ciVariables(input: Pick<ExecutionEnvInput, 'context' | 'pipeline' | 'stage' | 'execution' | 'workspace'>) {
  const vars: Record<string, string> = {
    CI: 'true',
    FACTORY: 'true',
    FACTORY_EVENT: input.context.event,
    FACTORY_PIPELINE: input.pipeline,
    FACTORY_STAGE: input.stage,
    FACTORY_EXECUTION: input.execution,
    FACTORY_WORKSPACE: input.workspace,
  };
  if (input.context.branch !== undefined) vars.FACTORY_BRANCH = input.context.branch;
  if (input.context.tag !== undefined) vars.FACTORY_TAG = input.context.tag;
  return vars;
}

export function buildExecutionEnv(input: ExecutionEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.baseEnv)) if (value !== undefined) env[name] = value;
  const inputs = Object.fromEntries(Object.entries(input.inputs ?? {}).map(([name, value]) => [inputVariable(name), value]));
  return { ...env, ...input.runVariables, ...ciVariables(input), ...input.pipelineEnv, ...input.executionEnv, ...inputs, ...input.secrets };
}
