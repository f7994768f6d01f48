/**
 * Run secrets: their names and when they were set, never their values. Values are write-only: typed into a password
 * field, sent once, and the field is cleared after saving.
 */
import { useRef, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useLoad } from '../../components/load';
import { Age } from '../../components/time';
import { describedBy, Field, SaveRow } from './field';
import { MIN_SECRET_CHARS, secretProblem } from './rules';
import { RemoveButton, SettingsTable } from './settings-table';
import type { Project, RunSecret } from './types';
import { useConfirmedRemoval } from './use-confirmed-removal';
import { useSave } from './use-save';

const FIELDS = ['name', 'value'] as const;

export function SecretsSection({ project }: { project: Project }) {
  const secrets = useLoad(() => ok(api.GET('/project/secrets', { params: { query: { id: project.id } } })), [project.id]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const valueInput = useRef<HTMLInputElement>(null);
  const save = useSave(FIELDS);
  const removed = useSave([] as const);
  const removal = useConfirmedRemoval(removed, secrets.reload);
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

  const remove = (secret: RunSecret) =>
    removal.remove(
      { title: `Delete the secret ${secret.name}?`, body: 'Runs that declare it will no longer get it. This cannot be undone.', confirm: 'Delete secret' },
      () => ok(api.DELETE('/project/secret', { params: { query: { id: project.id, name: secret.name } } })),
      `${secret.name} deleted.`,
    );

  return (
    <section class="card settings-section" id="secrets" aria-labelledby="secrets-title">
      <h2 id="secrets-title">Run secrets</h2>
      <p class="muted">
        Given to the executions whose <code>.factory</code> block declares them (<code>secrets = ["NPM_TOKEN"]</code>), masked in every log. Values are never shown again
        once saved.
      </p>
      <SettingsTable
        list={secrets}
        what="run secrets"
        empty="No run secrets yet. Add the first one below."
        columns={[{ label: 'Name' }, { label: 'Added', wideOnly: true }, { label: 'Updated' }]}
        actions={removed}
        row={(secret) => (
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
              <RemoveButton label={`Delete ${secret.name}`} onClick={() => void remove(secret)}>
                Delete
              </RemoveButton>
            </td>
          </tr>
        )}
      />
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
      {removal.dialog}
    </section>
  );
}
