import { DEFAULT_TIMEZONE, nextDue, type Execution, type Plan, type PlanContext, type RunCondition, type ScheduleSpec, type ServiceSpec } from '@factoryci/config';
import { formatDuration } from '@factoryci/run-state';

/** One line naming the event, e.g. `push to branch "main", 2 changed paths`. */
export function describeContext(context: PlanContext): string {
  const ref = context.event === 'tag' ? `tag "${context.tag ?? ''}"` : `${context.event} ${context.event === 'push' || context.event === 'pull_request' ? 'to' : 'on'} branch "${context.branch ?? ''}"`;
  const changed = context.changedPaths;
  const paths = changed === undefined ? 'changed paths unknown' : `${changed.length} changed path${changed.length === 1 ? '' : 's'}`;
  return `${context.event === 'tag' ? `tag event for ${ref}` : ref}, ${paths}`;
}

/** The runner's services, one line each, then a blank line; nothing without services. */
export function formatServices(services: readonly ServiceSpec[] | undefined): string[] {
  if (!services?.length) return [];
  const width = Math.max(...services.map((s) => s.name.length));
  const lines = [`with ${services.length} service${services.length === 1 ? '' : 's'} on localhost (started before the first stage):`];
  for (const service of services) {
    const ports = service.ports.length > 0 ? `ports ${service.ports.join(', ')}` : 'no ports';
    const env = Object.keys(service.env);
    lines.push(`  ${service.name.padEnd(width)}  ${service.image}  [${ports}${env.length > 0 ? `; env ${env.join(', ')}` : ''}]`);
  }
  return [...lines, ''];
}

/** `2026-12-08 03:00 UTC` */
const utcMinute = (time: Date): string => `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The schedules, one line each with the next due time after `now`, after a blank line; nothing without schedules. */
export function formatSchedules(schedules: readonly ScheduleSpec[], now: Date): string[] {
  if (schedules.length === 0) return [];
  const width = Math.max(...schedules.map((s) => s.name.length));
  const cronWidth = Math.max(...schedules.map((s) => s.cron.length));
  const lines = ['', `schedules (started by the server from the default branch's configuration):`];
  for (const schedule of schedules) {
    const timezone = schedule.timezone ?? DEFAULT_TIMEZONE;
    const branch = schedule.branch === undefined ? 'the default branch' : `branch "${schedule.branch}"`;
    const next = nextDue(schedule.cron, timezone, now);
    lines.push(`  ${schedule.name.padEnd(width)}  ${schedule.cron.padEnd(cronWidth)}  ${timezone}, on ${branch}${next ? `, next ${utcMinute(next)}` : ''}`);
  }
  return lines;
}

/** The human-readable form of `factory-agent plan` (`now`: from when the schedules' next due times are shown). */
export function formatPlan(plan: Plan, now = new Date()): string {
  const lines = [`plan for ${describeContext(plan.context)}`, '', ...formatServices(plan.runner?.services)];
  if (plan.pipelines.length === 0) lines.push('no pipeline runs for this event');
  else lines.push(`runs ${plan.pipelines.length} pipeline${plan.pipelines.length === 1 ? '' : 's'}, in this order:`);
  plan.pipelines.forEach((pipeline, i) => {
    const after = pipeline.dependsOn.length > 0 ? `  (after ${pipeline.dependsOn.join(', ')})` : '';
    lines.push(`  ${i + 1}. ${pipeline.name}${after}${whenNote(pipeline.when)}`);
    for (const stage of pipeline.stages) {
      const parallel = stage.executions.length > 1 ? ` (${stage.executions.length} executions in parallel)` : '';
      lines.push(`       stage ${stage.name}${parallel}${whenNote(stage.when)}`);
      const width = Math.max(...stage.executions.map((e) => e.name.length));
      for (const execution of stage.executions) {
        const notes: string[] = [];
        if (execution.timeoutMs !== undefined) notes.push(`timeout ${formatDuration(execution.timeoutMs)}`);
        if (execution.workingDir !== undefined) notes.push(`in ${execution.workingDir}`);
        if (execution.secrets.length > 0) notes.push(`secrets ${execution.secrets.join(', ')}`);
        notes.push(...conditionNotes(execution));
        const command = execution.command.trim().split('\n');
        const shown = command.length > 1 ? `${command[0]} …` : (command[0] ?? '');
        lines.push(`         ${execution.name.padEnd(width)}  $ ${shown}${notes.length > 0 ? `  [${notes.join('; ')}]` : ''}`);
      }
    }
  });
  if (plan.skipped.length > 0) {
    lines.push('', 'skipped:');
    const width = Math.max(...plan.skipped.map((s) => s.name.length));
    for (const skipped of plan.skipped) lines.push(`  ${skipped.name.padEnd(width)}  ${skipped.reason}: ${skipped.message}`);
  }
  lines.push(...formatSchedules(plan.schedules, now));
  return `${lines.join('\n')}\n`;
}

/** `  [when on_failure]` for a stage or pipeline that does not run only after success. */
function whenNote(when: RunCondition | undefined): string {
  return when === undefined || when === 'on_success' ? '' : `  [when ${when}]`;
}

/** `allow failure` and `retry 2 on exit_code, timeout` of an execution. */
export function conditionNotes(execution: Pick<Execution, 'allowFailure' | 'retry'>): string[] {
  const notes: string[] = [];
  if (execution.allowFailure === true) notes.push('allow failure');
  if (execution.retry) notes.push(`retry ${execution.retry.max} on ${execution.retry.on.join(', ')}`);
  return notes;
}
