/** projects, runs, run, cancel, rerun, approve, trigger: the run commands that are one request (or a few) and a view. */
import type { Project, Workflow, WorkflowTree } from './api-types.js';
import { integerFlag, keyValues, runId } from './cli-args.js';
import { print, type Command } from './context.js';
import { listAllProjects, resolveProjectId } from './project-ref.js';
import { checkEvent, checkStatus, mergeNewestFirst, projectRuns } from './run-selection.js';
import { APPROVE_USAGE, CANCEL_USAGE, PROJECTS_USAGE, RERUN_USAGE, RUN_USAGE, RUNS_USAGE, TRIGGER_USAGE, UsageError } from './usage.js';
import { projectsTable, runLine, runsTable, runTreeText } from './views.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const projectsCommand: Command = {
  usage: PROJECTS_USAGE,
  args: { options: { owner: { type: 'string' }, limit: { type: 'string' } } },
  async run(args, context) {
    const api = await context.client();
    const limit = integerFlag('limit', str(args.values.limit), 1, 200) ?? 50;
    const projects = await api.json<Project[]>('GET', '/projects', { query: { owner: str(args.values.owner), limit } });
    print(context, args, projects, () => projectsTable(projects, context.view()));
    return 0;
  },
};

export const runsCommand: Command = {
  usage: RUNS_USAGE,
  args: { options: { project: { type: 'string' }, branch: { type: 'string' }, event: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } } },
  async run(args, context) {
    const limit = integerFlag('limit', str(args.values.limit), 1, 200) ?? 20;
    const filter = { branch: str(args.values.branch), event: checkEvent(str(args.values.event)), status: checkStatus(str(args.values.status)) };
    const api = await context.client();
    const ref = str(args.values.project);
    let runs: Workflow[];
    if (ref !== undefined) runs = await projectRuns(api, await resolveProjectId(api, ref), filter, limit);
    else {
      const projects = await listAllProjects(api);
      const lists: Workflow[][] = [];
      for (const project of projects) lists.push(await projectRuns(api, project.id, filter, limit));
      runs = mergeNewestFirst(lists, limit);
    }
    print(context, args, runs, () => runsTable(runs, context.view()));
    return 0;
  },
};

export const runCommand: Command = {
  usage: RUN_USAGE,
  args: { options: {}, positionals: ['run'] },
  async run(args, context) {
    const id = runId(args.positionals.run!);
    const api = await context.client();
    const run = await api.json<WorkflowTree>('GET', '/workflow', { query: { id } });
    print(context, args, run, () => runTreeText(run, context.view()));
    return 0;
  },
};

/** cancel, approve: POST /workflow/<action>?id= answering the workflow. */
function runAction(action: 'cancel' | 'approve', usage: string, done: string): Command {
  return {
    usage,
    args: { options: {}, positionals: ['run'] },
    async run(args, context) {
      const id = runId(args.positionals.run!);
      const api = await context.client();
      const run = await api.json<Workflow>('POST', `/workflow/${action}`, { query: { id } });
      print(context, args, run, () => `${done} ${runLine(run, context.view())}`);
      return 0;
    },
  };
}

export const cancelCommand = runAction('cancel', CANCEL_USAGE, 'Cancelled');
export const approveCommand = runAction('approve', APPROVE_USAGE, 'Approved');

export const rerunCommand: Command = {
  usage: RERUN_USAGE,
  args: { options: { failed: { type: 'boolean' } }, positionals: ['run'] },
  async run(args, context) {
    const id = runId(args.positionals.run!);
    const api = await context.client();
    const run = await api.json<Workflow>('POST', '/workflow/rerun', { query: { id, failed: args.values.failed ? true : undefined } });
    print(context, args, run, () => `Started ${runLine(run, context.view())}Follow it: factoryctl logs ${run.id} --follow\n`);
    return 0;
  },
};

export const triggerCommand: Command = {
  usage: TRIGGER_USAGE,
  args: { options: { project: { type: 'string' }, branch: { type: 'string' }, sha: { type: 'string' }, input: { type: 'string', multiple: true } } },
  async run(args, context) {
    const ref = str(args.values.project);
    if (ref === undefined) throw new UsageError('--project is required');
    const branch = str(args.values.branch);
    const sha = str(args.values.sha);
    if (sha !== undefined && !/^[0-9a-fA-F]{40}$/.test(sha)) throw new UsageError(`--sha must be a whole commit id (40 hex digits), not "${sha}"`);
    const inputs = keyValues('input', args.values.input as string[] | undefined);
    const api = await context.client();
    const body = { project_id: await resolveProjectId(api, ref), ...(branch ? { branch } : {}), ...(sha ? { sha } : {}), ...(inputs ? { inputs } : {}) };
    const run = await api.json<Workflow>('POST', '/workflow/trigger', { body });
    print(context, args, run, () => `Started ${runLine(run, context.view())}Follow it: factoryctl logs ${run.id} --follow\n`);
    return 0;
  },
};
