import { AGENT_PATHS, pipelineMayReceiveSecrets, validateRunInfo, validateRunSecrets, type RunInfo, type RunSecrets } from '@factoryci/agent-protocol';
import type { Plan, PlanContext } from '@factoryci/config';

export type { RunInfo, RunSecrets };

/** The API's answer does not have the documented shape (@factoryci/agent-protocol's runInfoSchema). */
export class ProtocolError extends Error {
  constructor(
    readonly route: string,
    /** What is wrong, one problem each, naming the property (`workflow.sha is not a commit id …`). */
    readonly problems: string[],
  ) {
    super(`unexpected answer from ${route}: ${problems.join('; ')}`);
    this.name = 'ProtocolError';
  }
}

/** `GET /agent/v1/run`'s answer, checked against the protocol's schema (properties this agent does not know are dropped). */
export function checkRunInfo(value: unknown): RunInfo {
  const checked = validateRunInfo(value);
  if (!checked.ok) throw new ProtocolError(`GET ${AGENT_PATHS.run}`, checked.problems);
  return checked.value;
}

/** `GET /agent/v1/secrets`'s answer, checked against the protocol's schema; the values by name. */
export function checkRunSecrets(value: unknown): RunSecrets['secrets'] {
  const checked = validateRunSecrets(value);
  if (!checked.ok) throw new ProtocolError(`GET ${AGENT_PATHS.secrets}`, checked.problems);
  return checked.value.secrets;
}

/**
 * Whether the run has secrets to fetch: some execution of a pipeline that may receive secrets declares one. (The API
 * decides what it gives; this only saves the request, and the agent holding anything, when nothing could be given.)
 */
export function needsSecrets(plan: Pick<Plan, 'pipelines'>, info: RunInfo): boolean {
  const allowed = secretsAllowedFor(info);
  return plan.pipelines.some((p) => allowed(p.name) && p.stages.some((s) => s.executions.some((e) => e.secrets.length > 0)));
}

/** The plan context of the run's event. */
export function planContextOf(info: RunInfo): PlanContext {
  const { workflow } = info;
  const context: PlanContext = { event: workflow.event };
  if (workflow.branch) context.branch = workflow.branch;
  if (workflow.tag) context.tag = workflow.tag;
  if (workflow.changedPaths) context.changedPaths = workflow.changedPaths;
  return context;
}

/** Whether the executions of `pipeline` may receive the run's secrets. */
export function secretsAllowedFor(info: RunInfo): (pipeline: string) => boolean {
  if (info.workflow.trusted) return () => true;
  const allowed = info.forkSecretPipelines ?? [];
  return (pipeline) => pipelineMayReceiveSecrets(allowed, pipeline);
}

/**
 * The plan a re-run of the failed pipelines runs: without the pipelines it reuses (named in `reused`), which are
 * listed in the plan's `reused` instead (the engine counts them as succeeded for the pipelines depending on them).
 */
export function withoutReused(plan: Plan, reused: readonly string[]): Plan & { reused: string[] } {
  return { ...plan, pipelines: plan.pipelines.filter((p) => !reused.includes(p.name)), reused: [...reused] };
}
