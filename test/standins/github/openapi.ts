/**
 * Checks requests and responses against GitHub's OpenAPI description (@octokit/openapi), to keep the stand-in (and
 * the bodies our code sends) honest. A small validator for the subset of JSON Schema the description uses for
 * structure: $ref, allOf/oneOf/anyOf, type (+ OpenAPI 3.0 `nullable`), enum, required, properties,
 * additionalProperties, items. Formats, patterns and bounds are not checked.
 */
import { createRequire } from 'node:module';

type Schema = Record<string, unknown>;
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> } & { $ref?: string };
  responses: Record<string, Schema>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, Schema>>;
}

let spec: Spec | undefined;
function load(): Spec {
  if (!spec) spec = createRequire(import.meta.url)('@octokit/openapi/generated/api.github.com.json') as Spec;
  return spec;
}

function resolve(node: Schema): Schema {
  let current = node;
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const [, section, name] = (current.$ref as string).match(/^#\/components\/([^/]+)\/(.+)$/) ?? [];
    const next = section && name ? load().components[section]?.[name] : undefined;
    if (!next) throw new Error(`unresolvable ${String(current.$ref)}`);
    current = next;
  }
  return current;
}

/** The operation of the description that `method path` is, or null when the path is not in the REST API. */
export function findOperation(method: string, path: string): { template: string; operation: Operation } | null {
  for (const [template, ops] of Object.entries(load().paths)) {
    // {path} (the contents API) spans segments, every other parameter is one segment
    const pattern = new RegExp(`^${template.replace(/\{path\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = ops[method.toLowerCase()];
    if (operation && pattern.test(path)) return { template, operation };
  }
  return null;
}

/** Problems of a response body for `method path` with `status`; null when the description has no such operation. */
export function checkResponse(method: string, path: string, status: number, body: unknown): string[] | null {
  const found = findOperation(method, path);
  if (!found) return null;
  const response = found.operation.responses[String(status)];
  if (!response) return [`${found.template}: status ${status} is not a documented response`];
  const schema = resolve(response).content as Record<string, { schema?: Schema }> | undefined;
  const json = schema?.['application/json']?.schema;
  if (!json) return body === undefined ? [] : [`${found.template} ${status}: documented without a body`];
  return validate(json, body, `${method} ${found.template} ${status}`);
}

/** Problems of a request body for `method path`; null when the description has no such operation. */
export function checkRequestBody(method: string, path: string, body: unknown): string[] | null {
  const found = findOperation(method, path);
  if (!found) return null;
  const requestBody = found.operation.requestBody ? resolve(found.operation.requestBody as Schema) : undefined;
  const json = (requestBody?.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']?.schema;
  if (!json) return [];
  return validate(json, body ?? {}, `${method} ${found.template} request`);
}

export function validate(node: Schema, value: unknown, at: string): string[] {
  const schema = resolve(node);
  if (value === null && schema.nullable === true) return [];
  const problems: string[] = [];
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) problems.push(...validate(s, value, at));
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && !(options as Schema[]).some((s) => validate(s, value, at).length === 0)) {
      problems.push(`${at}: matches none of ${key}`);
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value) && !(value === null && schema.enum.includes(null))) {
    problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  }
  const type = schema.type;
  if (typeof type === 'string' && !hasType(type, value)) {
    problems.push(`${at}: expected ${type}${schema.nullable ? ' or null' : ''}, got ${value === null ? 'null' : typeof value}`);
    return problems;
  }
  if (isObject(value)) {
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in value)) problems.push(`${at}: missing required "${name}"`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const sub = properties[name];
      if (sub) problems.push(...validate(sub, v, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property "${name}"`);
      else if (isObject(schema.additionalProperties)) problems.push(...validate(schema.additionalProperties, v, `${at}.${name}`));
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, `${at}[${i}]`)));
  }
  return problems;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
