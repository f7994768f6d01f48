import { parseCommandLine } from './cli-args.js';
import { processIo, type CliIo } from './cli-io.js';
import { approveCommand, cancelCommand, projectsCommand, rerunCommand, runCommand, runsCommand, triggerCommand } from './cmd-runs.js';
import { loginCommand, logoutCommand, whoamiCommand } from './cmd-login.js';
import { logsCommand } from './cmd-logs.js';
import { schedulesCommand } from './cmd-schedules.js';
import { secretsDeleteCommand, secretsListCommand, secretsSetCommand } from './cmd-secrets.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './cmd-tokens.js';
import { createContext, type Command } from './context.js';
import { describeFailure, EXIT } from './exit-codes.js';
import { SECRETS_USAGE, TOKENS_USAGE, USAGE, UsageError } from './usage.js';

const COMMANDS: Record<string, Command> = {
  login: loginCommand,
  logout: logoutCommand,
  whoami: whoamiCommand,
  projects: projectsCommand,
  runs: runsCommand,
  run: runCommand,
  logs: logsCommand,
  cancel: cancelCommand,
  rerun: rerunCommand,
  approve: approveCommand,
  trigger: triggerCommand,
  schedules: schedulesCommand,
};

/** Commands with subcommands: `secrets list`, `tokens create`, … */
const GROUPS: Record<string, { usage: string; commands: Record<string, Command> }> = {
  secrets: { usage: SECRETS_USAGE, commands: { list: secretsListCommand, set: secretsSetCommand, delete: secretsDeleteCommand } },
  tokens: { usage: TOKENS_USAGE, commands: { create: tokensCreateCommand, list: tokensListCommand, revoke: tokensRevokeCommand } },
};

const isHelp = (arg: string | undefined): boolean => arg === 'help' || arg === '--help' || arg === '-h';

/** The command an argv names, with its name and the rest of argv; or the help to print; or a usage error. Pure. */
export function findCommand(argv: readonly string[]): { name: string; command: Command; rest: string[] } | { help: string; ok: boolean } {
  const [name, ...rest] = argv;
  if (name === undefined) return { help: USAGE, ok: false };
  if (isHelp(name)) return { help: USAGE, ok: true };
  if (Object.hasOwn(COMMANDS, name)) return { name, command: COMMANDS[name]!, rest };
  if (Object.hasOwn(GROUPS, name)) {
    const group = GROUPS[name]!;
    const [sub, ...subRest] = rest;
    if (sub === undefined) return { help: group.usage, ok: false };
    if (isHelp(sub)) return { help: group.usage, ok: true };
    if (!Object.hasOwn(group.commands, sub)) throw new UsageError(`unknown command "${name} ${sub}"\n\n${group.usage}`);
    return { name: `${name} ${sub}`, command: group.commands[sub]!, rest: subRest };
  }
  throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
}

/** The `factoryctl` CLI. Returns the process exit code (exit-codes.ts). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let found;
  try {
    found = findCommand(argv);
  } catch (error) {
    io.err(`factoryctl: ${(error as Error).message}`);
    return EXIT.usage;
  }
  if ('help' in found) {
    (found.ok ? io.out : io.err)(found.help);
    return found.ok ? EXIT.ok : EXIT.usage;
  }
  const { name, command, rest } = found;
  try {
    const args = parseCommandLine(rest, command.args);
    if (args.values.help) {
      io.out(command.usage);
      return EXIT.ok;
    }
    return await command.run(args, createContext(io));
  } catch (error) {
    const failure = describeFailure(error);
    io.err(`factoryctl ${name}: ${failure.message}\n`);
    if (error instanceof UsageError) io.err(`\n${command.usage}`);
    return failure.code;
  }
}
