import type { RunHandle } from './runner.js';
import { runnerKind } from './runners.js';

/** The longest text `Workflow.runnerHandle` holds (VARCHAR 255). */
export const MAX_STORED_HANDLE_LENGTH = 255;

/** A handle too long for `Workflow.runnerHandle`. */
export class RunHandleTooLongError extends Error {
  constructor(readonly text: string) {
    super(`run handle too long to store (${text.length} > ${MAX_STORED_HANDLE_LENGTH} characters): ${text}`);
    this.name = 'RunHandleTooLongError';
  }
}

/** A handle of a runner kind that is not registered. */
export class UnknownRunnerKindError extends Error {
  constructor(readonly kind: string) {
    super(`no runner kind "${kind}" is registered`);
    this.name = 'UnknownRunnerKindError';
  }
}

/**
 * How a run's handle is stored in `Workflow.runnerHandle` (VARCHAR 255): `<kind>:<place>#<run id>`, where the runner
 * kind writes the place (`kubernetes:<namespace>/<job>#<run id>`, `local:<run directory>#<run id>`). The run id is
 * kept because a retried run has its own (`<workflow id>-2`).
 */
export function encodeRunHandle(handle: RunHandle): string {
  const kind = runnerKind(handle.kind);
  if (!kind) throw new UnknownRunnerKindError(handle.kind);
  const text = `${handle.kind}:${kind.handle.place(handle)}#${handle.runId}`;
  if (text.length > MAX_STORED_HANDLE_LENGTH) throw new RunHandleTooLongError(text);
  return text;
}

/** The handle stored by `encodeRunHandle`, or undefined for text it did not write (or of a kind not registered). */
export function decodeRunHandle(text: string): RunHandle | undefined {
  const match = /^([a-z][a-z0-9-]*):(.+)#([^#]+)$/.exec(text);
  if (!match) return undefined;
  const [, name = '', place = '', runId = ''] = match;
  return runnerKind(name)?.handle.fromPlace(place, runId);
}
