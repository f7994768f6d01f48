/** Deleting the project, once its name is typed; then back to the projects. */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { paths } from '../../app';
import { describedBy, Field } from './field';
import type { Project } from './types';
import { useSave } from './use-save';

export function DangerZone({ project }: { project: Project }) {
  const [typed, setTyped] = useState('');
  const save = useSave([] as const);
  const location = useLocation();
  const matches = typed.trim() === project.project;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!matches) return;
    const deleted = await save.run(async () => {
      await ok(api.DELETE('/project', { params: { query: { id: project.id } } }));
      return 'Deleted.';
    });
    if (deleted) location.route(paths.projects());
  };

  return (
    <section class="card settings-section danger-zone" id="danger" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete this project</h2>
      <p>
        This deletes the project with all its runs, logs and secrets{project.github_hook_id !== null ? ', and the webhook FactoryCI created on GitHub' : ''}. It cannot be
        undone.
      </p>
      <form class="stack" onSubmit={submit} noValidate>
        <Field id="delete-confirm" label={`Type the project's name, ${project.project}, to confirm`} error={save.error?.message ?? null}>
          <input
            id="delete-confirm"
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={describedBy('delete-confirm', save.error?.message ?? null)}
          />
        </Field>
        <div>
          <button type="submit" class="button danger-solid" disabled={!matches || save.busy}>
            {save.busy ? 'Deleting…' : 'Delete project'}
          </button>
        </div>
      </form>
    </section>
  );
}
