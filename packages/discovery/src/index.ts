/**
 * Discovery: how agents announce themselves and how the orchestrator tells live runs from lost ones, through Consul or,
 * without it, static addresses. Self-contained (no imports from the rest of the orchestrator) so the agent can use it.
 */
export { consulFromUrl, consulStatus } from './consul-client.js';
export {
  consulServiceRegistration,
  staticServiceRegistration,
  serviceCheckId,
  type ConsulRegistrationOptions,
  type ServiceRegistration,
} from './registration.js';
export {
  consulRunHealthWatcher,
  staticRunHealthWatcher,
  entryHealth,
  type ConsulRunHealthOptions,
  type HealthStatus,
  type RunHealthWatcher,
} from './run-health.js';
export { consulServiceLocator, staticServiceLocator, ServiceUnavailableError, type ServiceLocator } from './service-locator.js';
