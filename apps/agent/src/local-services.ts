import { formatLocation, type ServiceSpec } from '@factoryci/config';
import { ServiceNotReadyError, waitForServices } from './service-readiness.js';

/**
 * `factory-agent run` on a developer's machine starts no services: a workflow that declares some runs only when each
 * one's ports already accept connections on localhost (the developer started them, e.g. with docker). Returns why it
 * cannot run, one located line per service that is missing, or undefined.
 */
export async function localServicesProblem(services: readonly ServiceSpec[] | undefined, timeoutMs: number): Promise<string | undefined> {
  const problems: string[] = [];
  for (const service of services ?? []) {
    const at = `${formatLocation(service.location)}: service "${service.name}" (${service.image})`;
    if (service.ports.length === 0) {
      problems.push(`${at} declares no ports, so factory-agent run cannot tell whether it runs; factory-agent run starts no services`);
      continue;
    }
    try {
      await waitForServices([service], { timeoutMs });
    } catch (error) {
      if (!(error instanceof ServiceNotReadyError)) throw error;
      const publish = service.ports.map((port) => `-p ${port}:${port}`).join(' ');
      problems.push(`${at} is not running: factory-agent run starts no services; start it so that localhost:${error.port} accepts connections (e.g. docker run ${publish} ${service.image})`);
    }
  }
  return problems.length > 0 ? problems.join('\n') : undefined;
}
