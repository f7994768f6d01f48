import { EVENT_FLAGS, eventContext, parseFlags } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { formatPlan } from './plan-text.js';
import { PLAN_USAGE } from './usage.js';
import { EXIT } from './run-summary.js';

export async function planCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseFlags(argv, { ...EVENT_FLAGS, dir: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out(PLAN_USAGE);
    return EXIT.success;
  }
  const context = eventContext(values as Parameters<typeof eventContext>[0]);
  const { loadConfig, planToJson, planWorkflow } = await import('@factoryci/config'); // loaded late: usage errors stay fast
  const config = await loadConfig((values.dir as string | undefined) ?? '.factory');
  const plan = planWorkflow(config, context);
  io.out(values.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : formatPlan(plan));
  return EXIT.success;
}
