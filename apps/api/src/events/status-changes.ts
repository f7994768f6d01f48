/**
 * The status part of the events streams, as data: a run tree read from the database becomes a list of status
 * payloads (one per node), and the status events to send are the payloads that differ from those last sent. Pure.
 */
import type { RunNodeStatus } from '@factoryci/run-state';
import { attemptsJson } from '../serialize.js';

/** The data of a `status` event (and each entry of a `snapshot`): @factoryci/run-state's RunNodeStatus. */
export type StatusPayload = RunNodeStatus;

interface NodeRow {
  id: string;
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The run tree as the stream reads it (workflows, pipelines, stages, executions in plan order). */
export interface RunTreeRow extends NodeRow {
  statusReason: string | null;
  pipelines: (NodeRow & {
    name: string;
    reason: string | null;
    stages: (NodeRow & { name: string; executions: (NodeRow & { name: string; reason: string | null; exitCode: number | null; attempts?: unknown })[] })[];
  })[];
}

/** Every node of the tree as a status payload: the workflow first, then each pipeline, its stages, their executions. */
export function statusPayloads(tree: RunTreeRow): StatusPayload[] {
  const payloads: StatusPayload[] = [payload('workflow', tree, { reason: tree.statusReason })];
  for (const pipeline of tree.pipelines) {
    payloads.push(payload('pipeline', pipeline, { name: pipeline.name, reason: pipeline.reason }));
    for (const stage of pipeline.stages) {
      payloads.push(payload('stage', stage, { name: stage.name }));
      for (const execution of stage.executions) {
        payloads.push(payload('execution', execution, { name: execution.name, reason: execution.reason, exitCode: execution.exitCode, attempts: attemptsJson(execution.attempts) }));
      }
    }
  }
  return payloads;
}

function payload(
  kind: StatusPayload['kind'],
  node: NodeRow,
  extra: { name?: string; reason?: string | null; exitCode?: number | null; attempts?: RunNodeStatus['attempts'] },
): StatusPayload {
  return {
    kind,
    id: node.id,
    ...(extra.name !== undefined ? { name: extra.name } : {}),
    status: node.status,
    ...(extra.reason != null ? { reason: extra.reason } : {}),
    ...(extra.exitCode != null ? { exit_code: extra.exitCode } : {}),
    ...(node.startedAt ? { started_at: node.startedAt.toISOString() } : {}),
    ...(node.finishedAt ? { finished_at: node.finishedAt.toISOString() } : {}),
    ...(extra.attempts?.length ? { attempts: extra.attempts } : {}),
  };
}

/**
 * The entries of `current` that are new or differ from the one with the same id in `previous`, in `current`'s order
 * (status payloads of a run tree, workflows of a project). A node never leaves a run tree (a plan is recorded once);
 * a workflow that leaves a project's list is not an event either.
 */
export function changesSince<T extends { id: string }>(previous: readonly T[], current: readonly T[]): T[] {
  const sent = new Map(previous.map((node) => [node.id, sameKey(node)]));
  return current.filter((node) => sent.get(node.id) !== sameKey(node));
}

/** Two payloads are the same when their JSON is (payloads are built with their keys in one order). */
function sameKey(node: object): string {
  return JSON.stringify(node);
}
