import { parseFlags } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { VALIDATE_USAGE } from './usage.js';
import { EXIT } from './run-summary.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function validateCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseFlags(argv, { dir: { type: 'string' } });
  if (values.help) {
    io.out(VALIDATE_USAGE);
    return EXIT.success;
  }
  const dir = (values.dir as string | undefined) ?? '.factory';
  const { loadConfig } = await import('@factoryci/config'); // loaded late: usage errors stay fast
  const config = await loadConfig(dir); // ConfigError is reported by the caller
  const stages = config.pipelines.flatMap((p) => p.stages);
  const executions = stages.flatMap((s) => s.executions);
  io.out(
    `${dir}: ${plural(config.files.length, 'file')}, ${plural(config.pipelines.length, 'pipeline')}, ` +
      `${plural(stages.length, 'stage')}, ${plural(executions.length, 'execution')}\n`,
  );
  return EXIT.success;
}
