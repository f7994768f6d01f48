import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EventName, PlanContext } from '@factoryci/config';
import { UsageError } from './usage.js';

/**
 * The events, as in `@factoryci/config`'s EVENT_NAMES; repeated here (checked to be complete at compile time) so that
 * parsing a command line does not load the configuration parser.
 */
const EVENT_NAMES = ['push', 'pull_request', 'tag', 'manual', 'schedule'] as const satisfies readonly EventName[];
const _allEvents: Exclude<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : never = true;

type Options = NonNullable<ParseArgsConfig['options']>;

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** node:util parseArgs in strict mode (unknown flags and stray positionals are usage errors). `--help`/`-h` is added. */
export function parseFlags(argv: string[], options: Options): FlagValues {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const EVENT_FLAGS = {
  event: { type: 'string' },
  branch: { type: 'string' },
  tag: { type: 'string' },
  changed: { type: 'string', multiple: true },
} as const satisfies Options;

/** The plan context from --event/--branch/--tag/--changed. */
export function eventContext(values: { event?: string; branch?: string; tag?: string; changed?: string[] }): PlanContext {
  const { event, branch, tag, changed } = values;
  if (event === undefined) throw new UsageError(`--event is required (one of ${EVENT_NAMES.join(', ')})`);
  if (!(EVENT_NAMES as readonly string[]).includes(event)) {
    throw new UsageError(`--event must be one of ${EVENT_NAMES.join(', ')}, not "${event}"`);
  }
  if (event === 'tag') {
    if (tag === undefined || tag === '') throw new UsageError('--tag <name> is required with --event tag');
    if (branch !== undefined) throw new UsageError('--branch does not apply to --event tag (a tag has no branch)');
  } else {
    if (branch === undefined || branch === '') throw new UsageError(`--branch <name> is required with --event ${event}`);
    if (tag !== undefined) throw new UsageError('--tag only applies to --event tag');
  }
  const context: PlanContext = { event: event as EventName };
  if (branch !== undefined) context.branch = branch;
  if (tag !== undefined) context.tag = tag;
  if (changed !== undefined) context.changedPaths = changed.map((path) => path.replace(/^\.\//, ''));
  return context;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `--secret NAME=value`, or `--secret NAME` to take the value from the CLI's own environment (keeps the value out of
 * shell history and `ps`).
 */
export function parseSecrets(flags: string[] | undefined, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    const name = eq === -1 ? flag : flag.slice(0, eq);
    if (!SECRET_NAME.test(name)) throw new UsageError(`--secret "${name}": a secret name is letters, digits and _, not starting with a digit`);
    if (name in secrets) throw new UsageError(`--secret ${name} is given twice`);
    const value = eq === -1 ? env[name] : flag.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--secret ${name}: no "=value" given and ${name} is not set in the environment`);
    secrets[name] = value;
  }
  return secrets;
}
