/**
 * When a browser test fails, what the system under it was doing: each open stack's last workflows with the statuses of
 * their pipelines, stages and executions as stored, and the end of the orchestrator's output. A failure that only
 * happens now and then (on a loaded CI machine) then says whether the run itself stopped or only the page did.
 */
import { afterEach } from 'vitest';
import { openStacks } from './harness.js';

const OUTPUT_LINES = 80;

interface Step { name: string; status: string }
interface StoredWorkflow { id: string; number: number; status: string; statusReason: string | null; createdAt: Date; updatedAt: Date; pipelines: (Step & { stages: (Step & { executions: Step[] })[] })[] }

/** `#2 running (id, created, updated): build=reused[], broken=running[main=running[broken-step=running]]` */
function described(workflow: StoredWorkflow): string {
  const steps = (list: (Step & { stages?: unknown[]; executions?: unknown[] })[]): string =>
    list.map((step) => `${step.name}=${step.status}[${steps((step.stages ?? step.executions ?? []) as typeof list)}]`).join(', ');
  const reason = workflow.statusReason ? ` "${workflow.statusReason}"` : '';
  return `#${workflow.number} ${workflow.status}${reason} (${workflow.id}, created ${workflow.createdAt.toISOString()}, updated ${workflow.updatedAt.toISOString()}): ${steps(workflow.pipelines)}`;
}

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  for (const stack of openStacks) {
    const workflows = await stack.e2e.api.database.db.workflow.findMany({
      orderBy: { createdAt: 'desc' },
      take: 5,
      select: {
        id: true, number: true, status: true, statusReason: true, createdAt: true, updatedAt: true,
        pipelines: { select: { name: true, status: true, stages: { select: { name: true, status: true, executions: { select: { name: true, status: true } } } } } },
      },
    }).catch((error: unknown) => `(the workflows could not be read: ${String(error)})`);
    const output = stack.e2e.orchestrator.output().split('\n').slice(-OUTPUT_LINES).join('\n');
    console.error([
      `[failure report] ${task.name}`,
      'the last workflows, as stored:',
      typeof workflows === 'string' ? workflows : workflows.map(described).join('\n'),
      `the orchestrator's last ${OUTPUT_LINES} lines:`,
      output,
    ].join('\n'));
  }
});
