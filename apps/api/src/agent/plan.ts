import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import { BadRequestError, ConflictError } from '../errors.js';

export interface PlanExecution {
  name: string;
  position: number;
  command: string;
}
export interface PlanStage {
  name: string;
  position: number;
  executions: PlanExecution[];
}
export interface PlanPipeline {
  name: string;
  position: number;
  dependsOn: string[];
  stages: PlanStage[];
}
export interface SkippedPipeline {
  name: string;
  reason: string;
  message: string;
}
export interface PlanBody {
  pipelines: PlanPipeline[];
  skipped: SkippedPipeline[];
}

/**
 * Records the plan tree of a workflow (PUT /agent/v1/plan): pipelines (skipped ones as `skipped`, with
 * "<reason>: <message>"), stages and executions, all `pending`. The workflow row is locked first, so concurrent PUTs
 * run one after the other; a plan that is already there is kept: the same pipelines again is a no-op ("unchanged"),
 * different ones a ConflictError. Four statements at most, whatever the plan's size.
 */
export async function savePlan(db: Db, workflowId: string, plan: PlanBody): Promise<'created' | 'unchanged'> {
  const names = [...plan.pipelines.map((p) => p.name), ...plan.skipped.map((s) => s.name)];
  assertUnique(names, 'pipeline');
  for (const p of plan.pipelines) {
    assertUnique(p.stages.map((s) => s.name), `stage of pipeline "${p.name}"`);
    for (const s of p.stages) assertUnique(s.executions.map((e) => e.name), `execution of stage "${p.name}/${s.name}"`);
  }
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM workflows WHERE id = ${workflowId} FOR UPDATE`;
    const existing = await tx.pipeline.findMany({ where: { workflowId }, select: { name: true } });
    if (existing.length > 0) {
      const have = existing.map((p) => p.name).sort();
      const want = [...names].sort();
      if (have.length === want.length && have.every((n, i) => n === want[i])) return 'unchanged';
      throw new ConflictError(`workflow ${workflowId} already has a different plan (pipelines ${have.join(', ')})`);
    }
    const pipelines = [];
    const stages = [];
    const executions = [];
    for (const p of plan.pipelines) {
      const pipelineId = randomUUID();
      pipelines.push({ id: pipelineId, workflowId, name: p.name, position: p.position, dependsOn: p.dependsOn });
      for (const s of p.stages) {
        const stageId = randomUUID();
        stages.push({ id: stageId, pipelineId, name: s.name, position: s.position });
        for (const e of s.executions) executions.push({ stageId, name: e.name, position: e.position, command: e.command });
      }
    }
    const after = plan.pipelines.reduce((max, p) => Math.max(max, p.position + 1), 0);
    plan.skipped.forEach((s, i) => {
      pipelines.push({
        id: randomUUID(),
        workflowId,
        name: s.name,
        position: after + i,
        dependsOn: [],
        status: 'skipped' as const,
        reason: `${s.reason}: ${s.message}`,
      });
    });
    if (pipelines.length > 0) await tx.pipeline.createMany({ data: pipelines });
    if (stages.length > 0) await tx.stage.createMany({ data: stages });
    if (executions.length > 0) await tx.execution.createMany({ data: executions });
    return 'created';
  }, { maxWait: 5000, timeout: 10_000 });
}

function assertUnique(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new BadRequestError(`the plan names ${what} "${name}" twice`);
    seen.add(name);
  }
}
