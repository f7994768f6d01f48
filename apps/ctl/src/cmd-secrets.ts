/** secrets list|set|delete --project <p> [NAME]: a project's run secrets. Values never come from the command line. */
import type { Secret } from './api-types.js';
import type { CliIo } from './cli-io.js';
import { print, type Command } from './context.js';
import { resolveProjectId } from './project-ref.js';
import { SECRETS_USAGE, UsageError } from './usage.js';
import { secretsTable } from './views.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const projectOption = { project: { type: 'string' } } as const;

/** The names the API accepts (`SECRET_NAME_PATTERN` of @factoryci/agent-protocol). */
const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function secretName(name: string): string {
  if (!SECRET_NAME.test(name) || name.length > 100) {
    throw new UsageError(`"${name}" is not a secret name: upper-case letters, digits and _, not starting with a digit (e.g. NPM_TOKEN)`);
  }
  return name;
}

function projectRef(value: unknown): string {
  const ref = str(value);
  if (ref === undefined) throw new UsageError('--project is required');
  return ref;
}

/** Standard input without its one trailing newline (as `echo` or a file leaves it), or the answer to a prompt without echo. */
export function secretValueFrom(stdin: string): string {
  return stdin.replace(/\r?\n$/, '');
}

async function readValue(io: CliIo, name: string): Promise<string> {
  const value = io.stdinIsTty ? await io.prompt(`Value of ${name}: `, true) : secretValueFrom(await io.readStdin());
  if (value === '') throw new UsageError(`no value given for ${name} (pipe it in: printf %s "$VALUE" | factoryctl secrets set ${name} --project …)`);
  return value;
}

export const secretsListCommand: Command = {
  usage: SECRETS_USAGE,
  args: { options: projectOption },
  async run(args, context) {
    const api = await context.client();
    const id = await resolveProjectId(api, projectRef(args.values.project));
    const secrets = await api.json<Secret[]>('GET', '/project/secrets', { query: { id } });
    print(context, args, secrets, () => secretsTable(secrets, context.view()));
    return 0;
  },
};

export const secretsSetCommand: Command = {
  usage: SECRETS_USAGE,
  args: { options: projectOption, positionals: ['NAME'] },
  async run(args, context) {
    const name = secretName(args.positionals.NAME!);
    const ref = projectRef(args.values.project);
    const api = await context.client();
    const id = await resolveProjectId(api, ref);
    const value = await readValue(context.io, name);
    const secret = await api.json<Secret>('PUT', '/project/secret', { query: { id, name }, body: { value } });
    print(context, args, secret, () => `Set secret ${secret.name}.\n`);
    return 0;
  },
};

export const secretsDeleteCommand: Command = {
  usage: SECRETS_USAGE,
  args: { options: projectOption, positionals: ['NAME'] },
  async run(args, context) {
    const name = secretName(args.positionals.NAME!);
    const api = await context.client();
    const id = await resolveProjectId(api, projectRef(args.values.project));
    await api.json('DELETE', '/project/secret', { query: { id, name } });
    print(context, args, { name, deleted: true }, () => `Deleted secret ${name}.\n`);
    return 0;
  },
};
