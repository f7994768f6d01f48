/**
 * `factoryctl runs` filters: GET /workflows lists a project's runs newest first, filtered by branch, event and status
 * on the server. Pure parts tested as data.
 */
import { EVENT_NAMES, WORKFLOW_STATUSES } from '@factoryci/run-state';
import type { ApiClient } from './api-client.js';
import type { Workflow } from './api-types.js';
import { UsageError } from './usage.js';

export interface RunFilter {
  branch?: string;
  event?: string;
  status?: string;
}

/** `value` when it is one of `allowed` (or not given); a usage error naming the flag and the choices otherwise. */
function oneOf(flag: string, allowed: readonly string[], value: string | undefined): string | undefined {
  if (value !== undefined && !allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

export const checkStatus = (status: string | undefined): string | undefined => oneOf('--status', WORKFLOW_STATUSES, status);
export const checkEvent = (event: string | undefined): string | undefined => oneOf('--event', EVENT_NAMES, event);

/** Runs of several projects as one list, newest first (by creation, then number), at most `limit`. */
export function mergeNewestFirst(lists: readonly (readonly Workflow[])[], limit: number): Workflow[] {
  return lists
    .flat()
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.number - a.number)
    .slice(0, limit);
}

/** Up to `limit` runs of a project matching the filter, newest first. */
export function projectRuns(api: ApiClient, projectId: string, filter: RunFilter, limit: number): Promise<Workflow[]> {
  return api.json<Workflow[]>('GET', '/workflows', { query: { project: projectId, ...filter, limit } });
}
