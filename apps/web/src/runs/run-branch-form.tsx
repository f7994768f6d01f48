/** "Run a branch": a branch (the project's default one to start with) and optional inputs → POST /workflow/trigger. */
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import type { Workflow } from '../api/types';
import { parseInputs } from './run-list';

export function RunBranchForm({ projectId, defaultBranch, onStarted, onClose }: { projectId: string; defaultBranch: string; onStarted(run: Workflow): void; onClose(): void }) {
  const [branch, setBranch] = useState(defaultBranch);
  const [inputsText, setInputsText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const parsed = parseInputs(inputsText);
    if ('error' in parsed) {
      setError(`Inputs: ${parsed.error}`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const inputs = Object.keys(parsed.inputs).length > 0 ? parsed.inputs : undefined;
      const run = await ok(api.POST('/workflow/trigger', { body: { project_id: projectId, branch: branch.trim(), ...(inputs ? { inputs } : {}) } }));
      onStarted(run);
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  return (
    <form class="card stack run-branch-form" aria-labelledby="run-branch-title" onSubmit={submit}>
      <h2 id="run-branch-title">Run a branch</h2>
      {error && (
        <p class="alert error" role="alert">
          {error}
        </p>
      )}
      <label>
        Branch
        <input name="branch" value={branch} onInput={(e) => setBranch(e.currentTarget.value)} required maxLength={244} autoFocus autocomplete="off" spellcheck={false} />
      </label>
      <label>
        Inputs <span class="muted field-hint">optional: one NAME=value a line; each execution gets INPUT_NAME</span>
        <textarea name="inputs" rows={3} value={inputsText} onInput={(e) => setInputsText(e.currentTarget.value)} placeholder="TARGET=staging" spellcheck={false} />
      </label>
      <div class="row">
        <button class="button primary" disabled={busy}>
          {busy ? 'Starting…' : 'Run'}
        </button>
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
