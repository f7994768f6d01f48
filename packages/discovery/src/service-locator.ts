import type Consul from 'consul';
import { entryHealth, type HealthEntry } from './run-health.js';

/** Finds a service's address: through Consul, or from static configuration. */
export interface ServiceLocator {
  /** Base URL of a healthy instance of `service`, e.g. http://10.0.0.7:3000. */
  url(service: string): Promise<string>;
}

/** No healthy instance of the service is known. */
export class ServiceUnavailableError extends Error {
  constructor(readonly service: string) {
    super(`no healthy instance of service "${service}" is known`);
    this.name = 'ServiceUnavailableError';
  }
}

/** Asks Consul for passing instances and picks one at random. */
export function consulServiceLocator(consul: Consul, scheme = 'http'): ServiceLocator {
  return {
    async url(service) {
      const entries = (await consul.health.service({ service, passing: true })) as HealthEntry[];
      const healthy = entries.filter((entry) => entryHealth(entry).status === 'passing');
      const entry = healthy[Math.floor(Math.random() * healthy.length)];
      if (!entry?.Service?.Port) throw new ServiceUnavailableError(service);
      const address = entry.Service.Address || entry.Node?.Address;
      if (!address) throw new ServiceUnavailableError(service);
      return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${entry.Service.Port}`;
    },
  };
}

/** Fixed addresses by service name, for setups without Consul. */
export function staticServiceLocator(urls: Record<string, string>): ServiceLocator {
  return {
    async url(service) {
      const url = urls[service];
      if (!url) throw new ServiceUnavailableError(service);
      return url;
    },
  };
}
