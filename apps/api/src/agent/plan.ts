import { randomUUID } from 'node:crypto';
import type { PlanBody } from '@factoryci/agent-protocol';
import { FRESH_PLAN_MAX_ROWS, insertFreshPlan, PLAN_WORKFLOW_READ, retryingTransaction, type PlanRows, type PlanWorkflow } from '@factoryci/db';
import type { Db } from '../db.js';
import { BadRequestError, ConflictError } from '../errors.js';
import { reusedPipelinesOf } from '../runs/failed-rerun.js';
import { assertLiveRun } from './run-auth.js';

/** What savePlan did, and the workflow as read under its lock (what keeping schedules decides from). */
export interface SavedPlan {
  result: 'created' | 'unchanged';
  workflow: PlanWorkflow;
}

/**
 * Records the plan tree of a workflow (PUT /agent/v1/plan): pipelines (skipped ones as `skipped`, with
 * "<reason>: <message>"; reused ones — only those the workflow's reused_pipelines names — as `reused`, without stages,
 * `reused_from` the pipeline they stand for), stages and executions, all `pending`, each execution with the secret
 * names it declares (what GET /agent/v1/secrets may give the run). The workflow row is locked first, so concurrent PUTs
 * run one after the other, and the run must be live (401 otherwise, as the other agent routes answer); a plan that is
 * already there is kept: the same pipelines declaring the same secrets again is a no-op ("unchanged"); other
 * pipelines, or other declarations (a later PUT cannot widen what the run may fetch), a ConflictError. Writes go in the
 * run tree's lock order (workflow → pipelines → stages → executions); a deadlock runs the transaction again.
 *
 * The common case — a first plan without reused pipelines — is one script and one round trip (insertFreshPlan); a plan
 * already there, one with reused pipelines, or a very large one goes the long way (an interactive transaction).
 */
export async function savePlan(db: Db, workflowId: string, plan: PlanBody, newId: () => string = randomUUID): Promise<SavedPlan> {
  const names = [...plan.pipelines.map((p) => p.name), ...plan.skipped.map((s) => s.name), ...plan.reused.map((r) => r.name)];
  assertUnique(names, 'pipeline');
  for (const p of plan.pipelines) {
    assertUnique(p.stages.map((s) => s.name), `stage of pipeline "${p.name}"`);
    for (const s of p.stages) assertUnique(s.executions.map((e) => e.name), `execution of stage "${p.name}/${s.name}"`);
  }
  if (plan.reused.length === 0) {
    const rows = planRows(plan, new Map(), newId);
    if (rows.pipelines.length + rows.stages.length + rows.executions.length <= FRESH_PLAN_MAX_ROWS) {
      const fresh = await insertFreshPlan(db, workflowId, rows);
      assertLiveRun(fresh.workflow?.status);
      if (fresh.kind === 'created') return { result: 'created', workflow: fresh.workflow as PlanWorkflow };
    }
  }
  return savePlanTheLongWay(db, workflowId, plan, names, newId);
}

/** savePlan's interactive transaction: the comparison with a recorded plan, reused pipelines, large plans. */
function savePlanTheLongWay(db: Db, workflowId: string, plan: PlanBody, names: string[], newId: () => string): Promise<SavedPlan> {
  return retryingTransaction(db, async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<{ status: string; project_id: string; reused_pipelines: unknown }[]>(PLAN_WORKFLOW_READ.lockedSql, workflowId);
    assertLiveRun(locked?.status);
    const [project] = await tx.$queryRawUnsafe<{ default_branch: string }[]>(PLAN_WORKFLOW_READ.defaultBranchSql, locked?.project_id);
    const workflow = PLAN_WORKFLOW_READ.workflow(workflowId, locked, project?.default_branch ?? '');
    const existing = await tx.pipeline.findMany({ where: { workflowId }, select: { name: true } });
    if (existing.length > 0) {
      const have = existing.map((p) => p.name).sort();
      const want = [...names].sort();
      if (have.length !== want.length || have.some((n, i) => n !== want[i])) {
        throw new ConflictError(`workflow ${workflowId} already has a different plan (pipelines ${have.join(', ')})`);
      }
      const recorded = await tx.execution.findMany({
        where: { stage: { pipeline: { workflowId } } },
        select: { name: true, secrets: true, stage: { select: { name: true, pipeline: { select: { name: true } } } } },
      });
      const recordedDeclarations = recorded.map((e) => ({
        pipeline: e.stage.pipeline.name,
        stage: e.stage.name,
        execution: e.name,
        secrets: declaredSecrets(e.secrets),
      }));
      if (declarations(recordedDeclarations) !== declarations(planDeclarations(plan))) {
        throw new ConflictError(`workflow ${workflowId} already has a plan declaring other secrets; the recorded declarations stand`);
      }
      return { result: 'unchanged' as const, workflow };
    }
    const rows = planRows(plan, reusableFrom(workflow.reusedPipelines), newId, workflowId);
    if (rows.pipelines.length > 0) await tx.pipeline.createMany({ data: rows.pipelines.map((p) => ({ ...p, workflowId })) });
    if (rows.stages.length > 0) await tx.stage.createMany({ data: rows.stages });
    if (rows.executions.length > 0) {
      await tx.execution.createMany({ data: rows.executions.map(({ secrets, ...e }) => (secrets === null ? e : { ...e, secrets })) });
    }
    return { result: 'created' as const, workflow };
  }, { maxWait: 5000, timeout: 10_000 });
}

/**
 * A plan as the rows that record it, pure given `newId`: the pipelines in the plan's order, then the reused ones
 * (`reusable`: the pipelines the workflow may reuse, by name, with the pipeline each stands for; another name is a
 * ConflictError), then the skipped ones after them, each with its stages and executions.
 */
export function planRows(plan: PlanBody, reusable: ReadonlyMap<string, string>, newId: () => string, workflowId = 'this workflow'): PlanRows {
  const rows: PlanRows = { pipelines: [], stages: [], executions: [] };
  for (const p of plan.pipelines) {
    const pipelineId = newId();
    rows.pipelines.push({ id: pipelineId, name: p.name, position: p.position, dependsOn: p.dependsOn, status: 'pending', reason: null, reusedFrom: null });
    for (const s of p.stages) {
      const stageId = newId();
      rows.stages.push({ id: stageId, pipelineId, name: s.name, position: s.position });
      for (const e of s.executions) {
        rows.executions.push({
          id: newId(),
          stageId,
          name: e.name,
          position: e.position,
          command: e.command,
          allowFailure: e.allowFailure,
          secrets: e.secrets.length > 0 ? e.secrets : null,
        });
      }
    }
  }
  for (const r of plan.reused) {
    const from = reusable.get(r.name);
    if (from === undefined) throw new ConflictError(`pipeline "${r.name}" is not one that workflow ${workflowId} reuses`);
    rows.pipelines.push({ id: newId(), name: r.name, position: r.position, dependsOn: r.dependsOn, status: 'reused', reason: REUSED_REASON, reusedFrom: from });
  }
  const after = [...plan.pipelines, ...plan.reused].reduce((max, p) => Math.max(max, p.position + 1), 0);
  plan.skipped.forEach((s, i) => {
    rows.pipelines.push({ id: newId(), name: s.name, position: after + i, dependsOn: [], status: 'skipped', reason: `${s.reason}: ${s.message}`, reusedFrom: null });
  });
  return rows;
}

/** The reason recorded on a reused pipeline. */
export const REUSED_REASON = 'succeeded in the workflow re-run; not run again';

/** The pipelines a workflow may record as reused, by name, with the pipeline each stands for (its reused_pipelines JSON). */
function reusableFrom(value: unknown): Map<string, string> {
  // MariaDB gives a JSON column to a raw query as its text
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return new Map(reusedPipelinesOf(parsed).map((r) => [r.name, r.pipelineId]));
}

/** The secret names a recorded execution declares (its `secrets` JSON column; null or anything else: none). */
export function declaredSecrets(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : [];
}

interface Declaration {
  pipeline: string;
  stage: string;
  execution: string;
  secrets: string[];
}

function planDeclarations(plan: PlanBody): Declaration[] {
  return plan.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => ({ pipeline: p.name, stage: s.name, execution: e.name, secrets: e.secrets }))));
}

/** A canonical text of who declares which secrets (executions that declare none are left out), for comparing plans. */
function declarations(list: Declaration[]): string {
  return JSON.stringify(
    list
      .filter((d) => d.secrets.length > 0)
      .map((d) => [d.pipeline, d.stage, d.execution, [...d.secrets].sort()] as const)
      .sort((a, b) => (a.slice(0, 3).join('/') < b.slice(0, 3).join('/') ? -1 : 1)),
  );
}

function assertUnique(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new BadRequestError(`the plan names ${what} "${name}" twice`);
    seen.add(name);
  }
}
