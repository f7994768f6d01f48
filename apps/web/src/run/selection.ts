/** Which execution the run page shows the log of when the URL names none: pure. */
import type { WorkflowDetail } from '../api/types';

type Execution = WorkflowDetail['pipelines'][number]['stages'][number]['executions'][number];

export const executionsOf = (tree: WorkflowDetail): Execution[] => tree.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions));

const FAILED = new Set(['failure', 'error']);
const RUNNING = new Set(['running', 'provisioning']);

/** The first failed execution, else the running one, else the last that started, else the last; null when none. */
export function defaultExecution(tree: WorkflowDetail): string | null {
  const all = executionsOf(tree);
  const pick = all.find((e) => FAILED.has(e.status)) ?? all.find((e) => RUNNING.has(e.status)) ?? all.filter((e) => e.started_at !== null).at(-1) ?? all.at(-1);
  return pick?.id ?? null;
}

/** The execution named (when the tree holds it), else the default. */
export function selectedExecution(tree: WorkflowDetail, asked: string | undefined): string | null {
  return asked !== undefined && executionsOf(tree).some((e) => e.id === asked) ? asked : defaultExecution(tree);
}
