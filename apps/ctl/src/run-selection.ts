/**
 * `factoryctl runs` filters: GET /workflows lists a project's runs newest first, with no branch or status filter, so
 * pages are read until enough runs match (or the project has no more). Pure parts tested as data.
 */
import type { ApiClient } from './api-client.js';
import type { Workflow } from './api-types.js';
import { UsageError } from './usage.js';

export interface RunFilter {
  branch?: string;
  status?: string;
}

export const WORKFLOW_STATUSES = ['awaiting_approval', 'queued', 'provisioning', 'running', 'success', 'failure', 'cancelled', 'error'];

export function checkStatus(status: string | undefined): string | undefined {
  if (status !== undefined && !WORKFLOW_STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${WORKFLOW_STATUSES.join(', ')}, not "${status}"`);
  }
  return status;
}

export function runMatches(run: Workflow, filter: RunFilter): boolean {
  return (filter.branch === undefined || run.branch === filter.branch) && (filter.status === undefined || run.status === filter.status);
}

/** Runs of several projects as one list, newest first (by creation, then number), at most `limit`. */
export function mergeNewestFirst(lists: readonly (readonly Workflow[])[], limit: number): Workflow[] {
  return lists
    .flat()
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.number - a.number)
    .slice(0, limit);
}

const PAGE = 200;
/** At most this many pages (of 200 runs) are read for a filtered list. */
export const MAX_FILTER_PAGES = 25;

/** Up to `limit` runs of a project matching the filter, newest first. */
export async function projectRuns(api: ApiClient, projectId: string, filter: RunFilter, limit: number): Promise<Workflow[]> {
  const filtered = filter.branch !== undefined || filter.status !== undefined;
  if (!filtered) return api.json<Workflow[]>('GET', '/workflows', { query: { project: projectId, limit } });
  const found: Workflow[] = [];
  for (let page = 0; page < MAX_FILTER_PAGES && found.length < limit; page++) {
    const batch = await api.json<Workflow[]>('GET', '/workflows', { query: { project: projectId, limit: PAGE, offset: page * PAGE } });
    found.push(...batch.filter((run) => runMatches(run, filter)));
    if (batch.length < PAGE) break;
  }
  return found.slice(0, limit);
}
