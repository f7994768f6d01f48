/** schedules --project <p>: a project's schedules (GET /project/schedules). */
import type { Schedules } from './api-types.js';
import { print, type Command } from './context.js';
import { resolveProjectId } from './project-ref.js';
import { SCHEDULES_USAGE, UsageError } from './usage.js';
import { schedulesTable } from './views.js';

export const schedulesCommand: Command = {
  usage: SCHEDULES_USAGE,
  args: { options: { project: { type: 'string' } } },
  async run(args, context) {
    const ref = args.values.project;
    if (typeof ref !== 'string') throw new UsageError('--project is required');
    const api = await context.client();
    const id = await resolveProjectId(api, ref);
    const answer = await api.json<Schedules>('GET', '/project/schedules', { query: { id } });
    print(context, args, answer, () => schedulesTable(answer, context.view()));
    return 0;
  },
};
