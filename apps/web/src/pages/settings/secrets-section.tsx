/**
 * Run secrets: their names and when they were set, never their values. Values are write-only: typed into a password
 * field, sent once, and the field is cleared after saving.
 */
import { useRef, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useConfirm } from '../../components/confirm-dialog';
import { Failure, useLoad } from '../../components/load';
import { Age } from '../../components/time';
import { describedBy, Field, SaveOutcome, SaveRow } from './field';
import { MIN_SECRET_CHARS, secretProblem } from './rules';
import type { Project, RunSecret } from './types';
import { useSave } from './use-save';

const FIELDS = ['name', 'value'] as const;

export function SecretsSection({ project }: { project: Project }) {
  const secrets = useLoad(() => ok(api.GET('/project/secrets', { params: { query: { id: project.id } } })), [project.id]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const valueInput = useRef<HTMLInputElement>(null);
  const save = useSave(FIELDS);
  const removal = useSave([] as const);
  const { confirm, dialog } = useConfirm();
  const exists = (n: string) => secrets.value?.some((s) => s.name === n) ?? false;

  const submit = async (event: Event) => {
    event.preventDefault();
    const problem = secretProblem(name, value);
    if (problem) return save.refuse(problem.field, problem.problem);
    const replacing = exists(name);
    const saved = await save.run(async () => {
      await ok(api.PUT('/project/secret', { params: { query: { id: project.id, name } }, body: { value } }));
      return replacing ? `${name} replaced.` : `${name} added.`;
    });
    // the value never stays in the page: cleared whether it was saved or not
    setValue('');
    if (saved) {
      setName('');
      await secrets.reload();
    }
  };

  const replace = (secret: RunSecret) => {
    setName(secret.name);
    setValue('');
    valueInput.current?.focus();
  };

  const remove = async (secret: RunSecret) => {
    const yes = await confirm({
      title: `Delete the secret ${secret.name}?`,
      body: 'Runs that declare it will no longer get it. This cannot be undone.',
      confirm: 'Delete secret',
      danger: true,
    });
    if (!yes) return;
    await removal.run(async () => {
      await ok(api.DELETE('/project/secret', { params: { query: { id: project.id, name: secret.name } } }));
      await secrets.reload();
      return `${secret.name} deleted.`;
    });
  };

  return (
    <section class="card settings-section" id="secrets" aria-labelledby="secrets-title">
      <h2 id="secrets-title">Run secrets</h2>
      <p class="muted">
        Given to the executions whose <code>.factory</code> block declares them (<code>secrets = ["NPM_TOKEN"]</code>), masked in every log. Values are never shown again
        once saved.
      </p>
      {secrets.error && <Failure error={secrets.error} what="run secrets" />}
      {!secrets.value && !secrets.error && (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {secrets.value?.length === 0 && <p class="empty">No run secrets yet. Add the first one below.</p>}
      {secrets.value && secrets.value.length > 0 && (
        <table class="table settings-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="wide-only">
                Added
              </th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {secrets.value.map((secret) => (
              <tr key={secret.name}>
                <td>
                  <code>{secret.name}</code>
                </td>
                <td class="wide-only">
                  <Age at={secret.created_at} />
                </td>
                <td>
                  <Age at={secret.updated_at} />
                </td>
                <td class="actions">
                  <button type="button" class="button small" onClick={() => replace(secret)} aria-label={`Replace the value of ${secret.name}`}>
                    Replace
                  </button>
                  <button type="button" class="button small danger" onClick={() => remove(secret)} aria-label={`Delete ${secret.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <SaveOutcome state={removal} block />
      <form class="settings-grid secret-form" onSubmit={submit} noValidate aria-labelledby="secret-form-title">
        <h3 id="secret-form-title" class="full">
          {exists(name) ? `Replace the value of ${name}` : 'Add a secret'}
        </h3>
        <Field id="secret-name" label="Name" hint='Upper case, digits and "_", e.g. NPM_TOKEN. An existing name gets the new value.' error={save.errorOf('name')}>
          <input
            id="secret-name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            autocomplete="off"
            spellcheck={false}
            maxLength={100}
            aria-describedby={describedBy('secret-name', save.errorOf('name'))}
          />
        </Field>
        <Field id="secret-value" label="Value" hint={`At least ${MIN_SECRET_CHARS} characters (shorter values cannot be masked in logs).`} error={save.errorOf('value')}>
          <input
            id="secret-value"
            ref={valueInput}
            type="password"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            autocomplete="new-password"
            spellcheck={false}
            aria-describedby={describedBy('secret-value', save.errorOf('value'))}
          />
        </Field>
        <SaveRow state={save} label={exists(name) ? 'Replace value' : 'Add secret'} />
      </form>
      {dialog}
    </section>
  );
}
