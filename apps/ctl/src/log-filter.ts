/** Which executions `logs --pipeline/--execution` selects. Pure. */

export interface ExecutionPath {
  pipeline: string;
  stage: string;
  execution: string;
}

export interface LogFilter {
  pipeline?: string;
  /** An execution's name, or `stage/execution`. */
  execution?: string;
}

export function executionSelected(path: ExecutionPath, filter: LogFilter): boolean {
  if (filter.pipeline !== undefined && path.pipeline !== filter.pipeline) return false;
  if (filter.execution === undefined) return true;
  const slash = filter.execution.indexOf('/');
  if (slash === -1) return path.execution === filter.execution;
  return path.stage === filter.execution.slice(0, slash) && path.execution === filter.execution.slice(slash + 1);
}

/** A pipeline's own status is shown when the filter names it, or names neither a pipeline nor an execution. */
export function pipelineSelected(pipeline: string, filter: LogFilter): boolean {
  return filter.pipeline !== undefined ? filter.pipeline === pipeline : filter.execution === undefined;
}

export function pathText(path: ExecutionPath): string {
  return `${path.pipeline}/${path.stage}/${path.execution}`;
}
