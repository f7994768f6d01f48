/** Pull requests from forks: whether and how they run, and which pipelines may still get secrets. */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { describedBy, Field, SaveRow } from './field';
import { parsePipelines } from './rules';
import type { Project } from './types';
import { useSave } from './use-save';

type ForkPolicy = Project['fork_policy'];

export const FORK_POLICIES: { value: ForkPolicy; label: string; sentence: string }[] = [
  { value: 'disabled', label: 'Do not run', sentence: 'Pull requests from forks start no run at all.' },
  {
    value: 'no_secrets',
    label: 'Run without secrets',
    sentence: "They run at once, with .factory/ of the base branch (not the pull request's) and no secrets, except for the pipelines listed below.",
  },
  { value: 'approval', label: 'Run after approval', sentence: 'As "run without secrets", but each run waits until someone with write access approves it.' },
];

const FIELDS = ['fork_policy', 'fork_secret_pipelines'] as const;

export function ForksSection({ project, onSaved }: { project: Project; onSaved(project: Project): void }) {
  const [policy, setPolicy] = useState<ForkPolicy>(project.fork_policy);
  const [pipelines, setPipelines] = useState((project.fork_secret_pipelines ?? []).join(', '));
  const save = useSave(FIELDS);
  const chosen = FORK_POLICIES.find((p) => p.value === policy);

  const submit = async (event: Event) => {
    event.preventDefault();
    const names = parsePipelines(pipelines);
    if (!names.ok) return save.refuse('fork_secret_pipelines', names.problem);
    await save.run(async () => {
      const saved = await ok(api.PUT('/project', { params: { query: { id: project.id } }, body: { fork_policy: policy, fork_secret_pipelines: names.value } }));
      onSaved(saved);
      setPipelines((saved.fork_secret_pipelines ?? []).join(', '));
      return 'Saved.';
    });
  };

  return (
    <section class="card settings-section" id="forks" aria-labelledby="forks-title">
      <h2 id="forks-title">Pull requests from forks</h2>
      <form class="stack" onSubmit={submit} onInput={save.touch} onChange={save.touch} noValidate>
        <Field id="fork-policy" label="Fork policy" hint={chosen?.sentence} error={save.errorOf('fork_policy')}>
          <select id="fork-policy" value={policy} onChange={(e) => setPolicy(e.currentTarget.value as ForkPolicy)} aria-describedby={describedBy('fork-policy', save.errorOf('fork_policy'))}>
            {FORK_POLICIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="fork-pipelines"
          label="Pipelines that may get secrets"
          hint="Pipeline names, separated by commas or lines. In runs of forks, only these pipelines' executions get the secrets they declare. Empty: none."
          error={save.errorOf('fork_secret_pipelines')}
        >
          <textarea
            id="fork-pipelines"
            rows={2}
            value={pipelines}
            onInput={(e) => setPipelines(e.currentTarget.value)}
            placeholder="e.g. lint, test"
            spellcheck={false}
            aria-describedby={describedBy('fork-pipelines', save.errorOf('fork_secret_pipelines'))}
          />
        </Field>
        <SaveRow state={save} />
      </form>
    </section>
  );
}
