import type { RunHandle } from './runner.js';

/**
 * How a run's handle is stored in `Workflow.runnerHandle` (VARCHAR 255): `kubernetes:<namespace>/<job>#<run id>` or
 * `local:<run directory>#<run id>`. The run id is kept because a retried run has its own (`<workflow id>-2`).
 */
export function encodeRunHandle(handle: RunHandle): string {
  const place = handle.kind === 'kubernetes' ? `${handle.namespace ?? ''}/${handle.name}` : handle.name;
  const text = `${handle.kind}:${place}#${handle.runId}`;
  if (text.length > 255) throw new Error(`run handle too long to store (${text.length} > 255 characters): ${text}`);
  return text;
}

/** The handle stored by `encodeRunHandle`, or undefined for text it did not write. */
export function decodeRunHandle(text: string): RunHandle | undefined {
  const match = /^(kubernetes|local):(.+)#([^#]+)$/.exec(text);
  if (!match) return undefined;
  const [, kind, place = '', runId = ''] = match;
  if (kind === 'local') return { kind: 'local', runId, name: place };
  const slash = place.indexOf('/');
  if (slash <= 0) return undefined;
  return { kind: 'kubernetes', runId, namespace: place.slice(0, slash), name: place.slice(slash + 1) };
}
