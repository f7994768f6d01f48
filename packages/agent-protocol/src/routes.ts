/** Where the agent routes are: the API mounts them under AGENT_API_PREFIX; the agent calls AGENT_PATHS. */

export const AGENT_API_PREFIX = '/agent/v1';

/** Each route's method and its path below AGENT_API_PREFIX (how the API registers it). */
export const AGENT_ROUTES = {
  run: { method: 'GET', path: '/run' },
  plan: { method: 'PUT', path: '/plan' },
  secrets: { method: 'GET', path: '/secrets' },
  status: { method: 'POST', path: '/status' },
  logs: { method: 'POST', path: '/logs' },
  logFrames: { method: 'POST', path: '/log-frames' },
} as const;
export type AgentRoute = keyof typeof AGENT_ROUTES;

type FullPath<R extends AgentRoute> = `${typeof AGENT_API_PREFIX}${(typeof AGENT_ROUTES)[R]['path']}`;

/** The full path of a route (what the agent requests). */
export function agentPath<R extends AgentRoute>(route: R): FullPath<R> {
  return `${AGENT_API_PREFIX}${AGENT_ROUTES[route].path}` as FullPath<R>;
}

/** The full path of each route. */
export const AGENT_PATHS = {
  run: agentPath('run'),
  plan: agentPath('plan'),
  secrets: agentPath('secrets'),
  status: agentPath('status'),
  logs: agentPath('logs'),
  logFrames: agentPath('logFrames'),
} as const satisfies { [R in AgentRoute]: FullPath<R> };
