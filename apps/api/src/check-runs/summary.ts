import { recordedAttempts, type Execution, type Pipeline, type Stage, type Workflow } from '@factoryci/db';
import type { CheckRunBody } from '../github/github-app.js';

export type CheckRunTree = Workflow & { pipelines: (Pipeline & { stages: (Stage & { executions: Execution[] })[] })[] };

/** GitHub caps a check run's summary at 65,535 characters. */
const MAX_SUMMARY = 65_000;

const ICONS: Record<string, string> = {
  pending: '⏳',
  running: '🔄',
  success: '✅',
  failure: '❌',
  cancelled: '🚫',
  skipped: '⏭️',
  error: '⚠️',
  reused: '♻️',
};

/** The web UI's page of a run: PUBLIC_URL + /runs/<workflow id>; none without PUBLIC_URL. */
export function runPageUrl(publicUrl: string | null, workflowId: string): string | undefined {
  return publicUrl ? `${publicUrl}/runs/${workflowId}` : undefined;
}

/**
 * Whether a workflow ran no pipeline: it succeeded and every pipeline of its plan was skipped (by filters, or
 * depending on one skipped), so its check run concludes `skipped` — which a branch protection rule's required check
 * accepts, as it does `success` — and people see nothing ran.
 */
export function ranNoPipeline(w: Pick<CheckRunTree, 'status'> & { pipelines: { status: string }[] }): boolean {
  return w.status === 'success' && w.pipelines.every((p) => p.status === 'skipped');
}

/** The conclusion of an ended workflow's check run. */
export function conclusionOf(w: Pick<CheckRunTree, 'status'> & { pipelines: { status: string }[] }): NonNullable<CheckRunBody['conclusion']> {
  if (ranNoPipeline(w)) return 'skipped';
  return w.status === 'success' ? 'success' : w.status === 'cancelled' ? 'cancelled' : 'failure';
}

/**
 * A workflow's check run as GitHub wants it: queued (awaiting approval, queued, provisioning) → in_progress (running)
 * → completed with a conclusion (success, or skipped when no pipeline ran; neutral for a success with allowed failures,
 * so it does not show a plain green; failure for failure and error; cancelled), a summary listing the
 * pipelines, stages and executions with their statuses, and — with PUBLIC_URL — a link to the run's page.
 */
export function checkRunBody(w: CheckRunTree, publicUrl: string | null): CheckRunBody {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  const output = { title: title(w), summary: summary(w) };
  const detailsUrl = runPageUrl(publicUrl, w.id);
  const link = detailsUrl ? { details_url: detailsUrl } : {};
  switch (w.status) {
    case 'awaiting_approval':
    case 'queued':
    case 'provisioning':
      return { status: 'queued', ...link, output };
    case 'running':
      return { status: 'in_progress', ...link, started_at: iso(w.startedAt ?? w.createdAt), output };
    default:
      return {
        status: 'completed',
        ...link,
        conclusion: conclusionOf(w) === 'success' && allowedFailures(w).length > 0 ? 'neutral' : conclusionOf(w),
        started_at: iso(w.startedAt),
        completed_at: iso(w.finishedAt) ?? new Date().toISOString(),
        output,
      };
  }
}

function title(w: CheckRunTree): string {
  const label: Record<string, string> = {
    awaiting_approval: 'awaiting approval',
    queued: 'queued',
    provisioning: 'starting',
    running: 'running',
    success: 'succeeded',
    failure: 'failed',
    cancelled: 'cancelled',
    error: 'errored',
  };
  if (ranNoPipeline(w)) return `#${w.number} skipped: no pipeline runs for this event`;
  const allowed = w.status === 'success' ? allowedFailures(w).length : 0;
  const with_ = allowed > 0 ? ` with ${allowed} allowed failure${allowed === 1 ? '' : 's'}` : '';
  return `#${w.number} ${label[w.status] ?? w.status}${with_}`;
}

/** The executions whose failure is allowed (`allow_failure`) and that failed, as `pipeline/stage/execution`. */
export function allowedFailures(w: CheckRunTree): string[] {
  return w.pipelines.flatMap((p) =>
    p.stages.flatMap((s) => s.executions.filter((e) => e.allowFailure && (e.status === 'failure' || e.status === 'error')).map((e) => `${p.name}/${s.name}/${e.name}`)),
  );
}

export function summary(w: CheckRunTree): string {
  const on = w.event === 'pull_request' ? `pull request #${w.prNumber ?? '?'}` : w.tag ? `tag \`${w.tag}\`` : `\`${w.branch ?? w.ref}\``;
  // a success that ran no pipeline is shown as what its check run concludes
  const shown = ranNoPipeline(w) ? 'skipped (no pipeline runs for this event)' : w.status;
  const lines = [`Workflow #${w.number} (${w.event}, ${on}, \`${w.sha.slice(0, 7)}\`): **${shown}**`];
  if (w.statusReason) lines.push('', `> ${w.statusReason.replace(/\n/g, ' ')}`);
  const allowed = allowedFailures(w);
  if (allowed.length > 0) {
    lines.push('', `> ⚠️ ${allowed.length === 1 ? 'An execution' : `${allowed.length} executions`} failed that may fail (\`allow_failure\`): ${allowed.map((name) => `\`${name}\``).join(', ')}`);
  }
  if (w.status === 'awaiting_approval') lines.push('', 'A pull request from a fork: a maintainer approves it with `POST /workflow/approve`.');
  if (w.pipelines.length > 0) lines.push('');
  for (const p of w.pipelines) {
    lines.push(`- ${ICONS[p.status] ?? ''} **${p.name}**: ${p.status}${p.reason ? ` (${p.reason.replace(/\n/g, ' ')})` : ''}`);
    for (const s of p.stages) {
      lines.push(`  - ${ICONS[s.status] ?? ''} stage **${s.name}**: ${s.status}`);
      for (const e of s.executions) {
        const exit = e.exitCode === null ? '' : `, exit code ${e.exitCode}`;
        const reason = e.reason && !e.reason.startsWith('exit code') ? `, ${e.reason.replace(/\n/g, ' ')}` : '';
        const allowedNote = e.allowFailure && (e.status === 'failure' || e.status === 'error') ? ' (allowed)' : '';
        lines.push(`    - ${ICONS[e.status] ?? ''} \`${e.name}\`: ${e.status}${allowedNote}${exit}${reason}${duration(e)}${attemptsNote(e)}`);
      }
    }
  }
  const text = lines.join('\n');
  return text.length <= MAX_SUMMARY ? text : `${text.slice(0, MAX_SUMMARY)}\n\n… (truncated)`;
}

/** `; attempt 3 (1: exit code 1; 2: timed out after 1m)` for an execution that was tried again. */
function attemptsNote(e: Execution): string {
  const attempts = recordedAttempts(e.attempts);
  if (attempts.length === 0) return '';
  return `; attempt ${attempts.length + 1} (${attempts.map((a) => `${a.attempt}: ${(a.reason ?? a.status).replace(/\n/g, ' ')}`).join('; ')})`;
}

function duration(step: { startedAt: Date | null; finishedAt: Date | null }): string {
  if (!step.startedAt || !step.finishedAt) return '';
  const ms = step.finishedAt.getTime() - step.startedAt.getTime();
  return ms < 1000 ? ` (${ms} ms)` : ms < 120_000 ? ` (${(ms / 1000).toFixed(1)} s)` : ` (${Math.round(ms / 60_000)} min)`;
}
