import type { PlanContext, EventName } from '@factoryci/config';

/** What `GET /agent/v1/run` answers (docs/agent-protocol.md). */
export interface RunInfo {
  workflow: {
    id: string;
    number: number;
    event: string;
    ref: string;
    sha: string;
    branch: string | null;
    tag: string | null;
    prNumber: number | null;
    baseSha: string | null;
    trusted: boolean;
    changedPaths: string[] | null;
  };
  /** The commit `.factory/` is read from: the base commit for untrusted pull requests, else `workflow.sha`. */
  configSha: string;
  clone: { url: string; token?: string | null };
  secrets: Record<string, string>;
  /** For untrusted runs: the pipelines that may receive `secrets` (absent: none may). */
  forkSecretPipelines?: string[] | null;
}

/** The API's answer does not have the documented shape. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(`unexpected answer from GET /agent/v1/run: ${message}`);
    this.name = 'ProtocolError';
  }
}

const EVENTS: readonly string[] = ['push', 'pull_request', 'tag'] satisfies EventName[];
const SHA = /^[0-9a-f]{40}$/;

export function checkRunInfo(value: unknown): RunInfo {
  const info = value as Partial<RunInfo> | undefined;
  const workflow = info?.workflow;
  if (!workflow || typeof workflow.id !== 'string') throw new ProtocolError('no workflow');
  if (!EVENTS.includes(workflow.event as string)) throw new ProtocolError(`unknown event "${String(workflow.event)}"`);
  if (!SHA.test(String(workflow.sha))) throw new ProtocolError('workflow.sha is not a commit id');
  if (!SHA.test(String(info.configSha))) throw new ProtocolError('configSha is not a commit id');
  if (typeof info.clone?.url !== 'string' || info.clone.url === '') throw new ProtocolError('no clone.url');
  const secrets = info.secrets ?? {};
  if (typeof secrets !== 'object' || Object.values(secrets).some((v) => typeof v !== 'string')) throw new ProtocolError('secrets must map names to strings');
  return { ...(info as RunInfo), secrets };
}

/** The plan context of the run's event. */
export function planContextOf(info: RunInfo): PlanContext {
  const { workflow } = info;
  const context: PlanContext = { event: workflow.event as EventName };
  if (workflow.branch) context.branch = workflow.branch;
  if (workflow.tag) context.tag = workflow.tag;
  if (Array.isArray(workflow.changedPaths)) context.changedPaths = workflow.changedPaths;
  return context;
}

/** Whether the executions of `pipeline` may receive the run's secrets. */
export function secretsAllowedFor(info: RunInfo): (pipeline: string) => boolean {
  if (info.workflow.trusted) return () => true;
  const allowed = new Set(info.forkSecretPipelines ?? []);
  return (pipeline) => allowed.has(pipeline);
}
