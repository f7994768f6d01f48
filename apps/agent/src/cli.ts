import { processIo, type CliIo } from './cli-io.js';
import { EXIT } from './run-summary.js';
import { PLAN_USAGE, RUN_USAGE, USAGE, UsageError, VALIDATE_USAGE } from './usage.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Commands are loaded on use: the configuration parser is heavy to load and --help does not need it. */
const COMMANDS: Record<string, { load: () => Promise<Command>; usage: string }> = {
  validate: { load: async () => (await import('./cmd-validate.js')).validateCommand, usage: VALIDATE_USAGE },
  plan: { load: async () => (await import('./cmd-plan.js')).planCommand, usage: PLAN_USAGE },
  run: { load: async () => (await import('./cmd-run.js')).runCommandLine, usage: RUN_USAGE },
};

/** The `factory-agent` CLI. Returns the process exit code (0 ok, 1 execution failed, 2 configuration or usage error, 130 cancelled). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? EXIT.usage : EXIT.success;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`factory-agent: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return EXIT.success;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`factory-agent ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    const { ConfigError, formatDiagnostic } = await import('@factoryci/config');
    if (error instanceof ConfigError) {
      for (const diagnostic of error.diagnostics) io.err(`${formatDiagnostic(diagnostic)}\n`);
      const count = error.diagnostics.length;
      io.err(`factory-agent ${name}: ${count} configuration error${count === 1 ? '' : 's'}\n`);
      return EXIT.usage;
    }
    io.err(`factory-agent ${name}: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}
