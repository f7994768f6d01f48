/**
 * What the caller may do to a run (their role, GET /project/permissions, and its status): cancel (confirmed first, in
 * the shared confirm dialog),
 * re-run, re-run the failed pipelines, approve. Each button shows progress, and the API's message when it fails.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import type { ProjectPermissions, Workflow, WorkflowDetail } from '../api/types';
import { useConfirm } from './confirm-dialog';
import { runActions } from '../run/run-facts';

type Action = 'cancel' | 'rerun' | 'rerun-failed' | 'approve';

const LABELS: Record<Action, [idle: string, busy: string]> = {
  cancel: ['Cancel run', 'Cancelling…'],
  rerun: ['Re-run', 'Starting the re-run…'],
  'rerun-failed': ['Re-run failed pipelines', 'Starting the re-run…'],
  approve: ['Approve and run', 'Approving…'],
};

export interface RunActionsProps {
  run: WorkflowDetail;
  permissions: ProjectPermissions | null;
  /** After a cancel or an approval: read the run again. */
  changed(): void;
  /** After a re-run: the new run. */
  rerunStarted(run: Workflow): void;
}

export function RunActionsBar({ run, permissions, changed, rerunStarted }: RunActionsProps) {
  const allowed = runActions(run, permissions);
  const [busy, setBusy] = useState<Action | null>(null);
  const { confirm, dialog } = useConfirm();
  const [error, setError] = useState<string | null>(null);
  if (!allowed.cancel && !allowed.rerun && !allowed.approve) return null;

  const query = { params: { query: { id: run.id } } };
  const perform = async (action: Action) => {
    setBusy(action);
    setError(null);
    try {
      if (action === 'cancel') await ok(api.POST('/workflow/cancel', query));
      if (action === 'approve') await ok(api.POST('/workflow/approve', query));
      if (action === 'rerun' || action === 'rerun-failed') {
        const next = await ok(api.POST('/workflow/rerun', { params: { query: { id: run.id, ...(action === 'rerun-failed' ? { failed: true } : {}) } } }));
        rerunStarted(next);
        return;
      }
      changed();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const confirmCancel = async () => {
    const yes = await confirm({ title: `Cancel run #${run.number}?`, body: 'Its running executions are stopped; the run ends cancelled.', confirm: 'Cancel run', danger: true });
    if (yes) await perform('cancel');
  };
  const button = (action: Action, kind = '') => (
    <button type="button" class={`button ${kind}`} disabled={busy !== null} aria-busy={busy === action} onClick={() => void (action === 'cancel' ? confirmCancel() : perform(action))}>
      {busy === action ? LABELS[action][1] : LABELS[action][0]}
    </button>
  );

  return (
    <section class="run-actions" aria-label="Actions">
      <div class="row">
        {allowed.approve && button('approve', 'primary')}
        {allowed.rerunFailed && button('rerun-failed', 'primary')}
        {allowed.rerun && button('rerun')}
        {allowed.cancel && button('cancel', 'danger')}
      </div>
      {dialog}
      {error && (
        <p class="alert error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
