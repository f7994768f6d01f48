/**
 * Discovery: how agents announce themselves and how the orchestrator tells live runs from lost ones, through Consul or,
 * without it, static addresses. Self-contained (no imports from the rest of the orchestrator) so the agent can use it.
 */
export { consulFromUrl, consulStatus } from './consul-client.js';
export {
  consulServiceRegistration,
  HEARTBEAT_NOTE,
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
export {
  CLAIM_KEY_BYTES,
  CLAIM_PATH,
  ClaimSealError,
  IDLE_POD_META,
  IDLE_TAG,
  idleInstanceId,
  MAX_CLAIM_BODY_BYTES,
  newClaim,
  newProbe,
  openAnswer,
  openClaim,
  openClaimMessage,
  openProbe,
  opensAsWaiting,
  postToClaimChannel,
  sealClaimMessage,
  type ClaimAnswer,
  type SealedClaim,
  type SealPurpose,
} from './claim-channel.js';
