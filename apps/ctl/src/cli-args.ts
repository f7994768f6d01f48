import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ArgSpec {
  options: Options;
  /** The positional arguments, in order; each is required. */
  positionals?: readonly string[];
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: Record<string, string>;
}

/** Every command takes these. */
const COMMON: Options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/**
 * node:util parseArgs in strict mode: unknown flags, a flag without its value, a missing or an extra argument are
 * usage errors. Pure.
 */
export function parseCommandLine(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON, ...spec.options }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const names = spec.positionals ?? [];
  const given = parsed.positionals;
  if (parsed.values.help) return { values: parsed.values as ParsedArgs['values'], positionals: {} };
  if (given.length > names.length) throw new UsageError(`unexpected argument "${given[names.length]}"`);
  if (given.length < names.length) throw new UsageError(`missing <${names[given.length]}>`);
  const positionals: Record<string, string> = {};
  names.forEach((name, index) => (positionals[name] = given[index]!));
  return { values: parsed.values as ParsedArgs['values'], positionals };
}

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** A run id as the API gives them (a UUID); anything else is a usage error, not a request that can only fail. */
export function runId(text: string): string {
  if (!isUuid(text)) throw new UsageError(`"${text}" is not a run id (a UUID such as 0b6f…-…, as "factoryctl runs" lists them)`);
  return text.toLowerCase();
}

/** Another id the API gives as a UUID (a token's). */
export function uuidArgument(what: string, text: string): string {
  if (!isUuid(text)) throw new UsageError(`"${text}" is not a ${what} (a UUID, as the list shows them)`);
  return text.toLowerCase();
}

/** A whole number within bounds, from a flag. */
export function integerFlag(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return Number(text);
}

/** `KEY=VALUE` pairs (`--input`), each key once. */
export function keyValues(flag: string, pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} "${pair}": give KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(result, key)) throw new UsageError(`--${flag} ${key} is given twice`);
    result[key] = pair.slice(eq + 1);
  }
  return result;
}
