import { formatLocation, type DiagnosticSink } from './diagnostics.js';
import type { HclAttribute, HclBlock } from './hcl-document.js';
import type { ServiceSpec, SourceLocation } from './model.js';
import { readEnv, readString } from './values.js';

/**
 * The `service "name" { image, env, ports }` blocks of the `runner` block: sidecar containers of the run's pod
 * (docs/factory-hcl.md, "Services"). Read here, apart from the rest of the runner block.
 */

/** Services of one configuration. */
export const MAX_SERVICES = 8;
/** A service's name becomes a Kubernetes container name (`service-<name>`, a DNS label of at most 63 characters). */
export const MAX_SERVICE_NAME_LENGTH = 50;
/** Ports of one service. */
export const MAX_SERVICE_PORTS = 16;
export const SERVICE_ATTRIBUTES = ['image', 'env', 'ports'] as const;
export const SERVICE_BLOCK = { labels: 1, example: 'service "db" { image = "mariadb:11" }' } as const;

const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why a service name is unusable, or undefined. */
export function serviceNameProblem(name: string): string | undefined {
  if (name.length > MAX_SERVICE_NAME_LENGTH) return `invalid service name "${name.slice(0, 40)}…" (${name.length} characters): a service name has at most ${MAX_SERVICE_NAME_LENGTH} characters`;
  if (!SERVICE_NAME.test(name)) return `invalid service name "${name}": use lower-case letters, digits and "-" (not at the start or end), e.g. "db"`;
  return undefined;
}

/** Why a port value is unusable, or undefined: a whole number from 1 to 65535. */
export function portProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) return `a port is a whole number from 1 to 65535, not ${JSON.stringify(value)}`;
  return undefined;
}

interface LocatedPort {
  port: number;
  location: SourceLocation;
}

function readPorts(sink: DiagnosticSink, attribute: HclAttribute): LocatedPort[] {
  const value = attribute.value;
  if (value.kind === 'null') return [];
  if (value.kind !== 'list') {
    sink.add(value.location, 'ports must be a list of port numbers, e.g. [3306]');
    return [];
  }
  if (value.items.length > MAX_SERVICE_PORTS) {
    sink.add(value.location, `ports lists ${value.items.length} ports; a service has at most ${MAX_SERVICE_PORTS}`);
    return [];
  }
  const ports: LocatedPort[] = [];
  for (const item of value.items) {
    const problem = item.kind === 'number' ? portProblem(item.value) : `a port is a whole number from 1 to 65535, written without quotes`;
    if (problem) sink.add(item.location, problem);
    else ports.push({ port: (item as { value: number }).value, location: item.location });
  }
  return ports;
}

/**
 * Reads the service blocks (already checked to have one label each): reports a bad name, a missing image, bad
 * ports, a duplicate name, a port that another service (or the same one) already uses — they share the pod's
 * network — and services beyond MAX_SERVICES (those are not read). `readBody` checks a block's attributes.
 */
export function readServices(
  sink: DiagnosticSink,
  blocks: readonly HclBlock[],
  readBody: (block: HclBlock, name: string) => Map<string, HclAttribute>,
): ServiceSpec[] {
  const services: ServiceSpec[] = [];
  const names = new Map<string, SourceLocation>();
  const ports = new Map<number, { service: string; location: SourceLocation }>();
  let count = 0;
  for (const block of blocks) {
    if (++count > MAX_SERVICES) {
      sink.add(block.typeLocation, `too many services: a runner has at most ${MAX_SERVICES}`);
      break;
    }
    const label = block.labels[0] as HclBlock['labels'][number];
    const name = label.value;
    const attributes = readBody(block, name);
    const nameProblem = serviceNameProblem(name);
    if (nameProblem) sink.add(label.location, nameProblem);
    const first = names.get(name);
    if (first) sink.add(label.location, `duplicate service "${name}"; first defined at ${formatLocation(first)}`);
    else names.set(name, label.location);
    const image = attributes.get('image');
    const text = image && readString(sink, 'image', image.value);
    if (!text) {
      if (!image || image.value.kind === 'null') sink.add(block.typeLocation, `service "${name}" has no image: add image = "..."`);
    } else if (text.value.trim() === '') sink.add(text.location, 'image must not be empty');
    const env = attributes.get('env');
    const serviceEnv = env ? readEnv(sink, env) : {};
    const portsAttribute = attributes.get('ports');
    const servicePorts: number[] = [];
    for (const { port, location } of portsAttribute ? readPorts(sink, portsAttribute) : []) {
      const user = ports.get(port);
      if (user) {
        sink.add(location, `port ${port} is already used by service "${user.service}" at ${formatLocation(user.location)}: the services of a run share one network`);
        continue;
      }
      ports.set(port, { service: name, location });
      servicePorts.push(port);
    }
    if (!nameProblem && !first && text && text.value.trim() !== '') {
      services.push({ name, image: text.value, env: serviceEnv, ports: servicePorts, location: block.typeLocation });
    }
  }
  return services;
}

/** A service in the plan JSON (`runner.services`). */
export interface ServiceJson {
  name: string;
  location: string;
  image: string;
  env: Record<string, string>;
  ports: number[];
}

export function servicesToJson(services: readonly ServiceSpec[] | undefined): ServiceJson[] {
  return (services ?? []).map((service) => ({
    name: service.name,
    location: formatLocation(service.location),
    image: service.image,
    env: { ...service.env },
    ports: [...service.ports],
  }));
}
