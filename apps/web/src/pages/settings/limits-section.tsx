/** What one run of the project may take: CPU, memory, runs at once, the log cap; its default branch; whether newer pushes cancel older runs. */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { describedBy, Field, SaveRow } from './field';
import { logCapText, parseConcurrentRuns, parseLogCap } from './rules';
import type { Project } from './types';
import { useSave } from './use-save';

const FIELDS = ['default_branch', 'max_cpu', 'max_memory', 'max_concurrent_runs', 'log_cap_bytes', 'cancel_superseded'] as const;
type LimitField = Exclude<(typeof FIELDS)[number], 'cancel_superseded'>;

const textOf = (project: Project): Record<LimitField, string> => ({
  default_branch: project.default_branch,
  max_cpu: project.max_cpu ?? '',
  max_memory: project.max_memory ?? '',
  max_concurrent_runs: String(project.max_concurrent_runs ?? ''),
  log_cap_bytes: logCapText(project.log_cap_bytes),
});

export function LimitsSection({ project, onSaved }: { project: Project; onSaved(project: Project): void }) {
  const [values, setValues] = useState(() => textOf(project));
  const [cancelSuperseded, setCancelSuperseded] = useState(project.cancel_superseded ?? false);
  const save = useSave(FIELDS);
  const set = (field: LimitField) => (event: Event) => setValues({ ...values, [field]: (event.currentTarget as HTMLInputElement).value });
  const input = (field: LimitField, id: string, extra: Record<string, unknown> = {}) => (
    <input id={id} name={field} value={values[field]} onInput={set(field)} aria-describedby={describedBy(id, save.errorOf(field))} aria-invalid={save.errorOf(field) ? true : undefined} {...extra} />
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    const runs = parseConcurrentRuns(values.max_concurrent_runs);
    if (!runs.ok) return save.refuse('max_concurrent_runs', runs.problem);
    const logCap = parseLogCap(values.log_cap_bytes);
    if (!logCap.ok) return save.refuse('log_cap_bytes', logCap.problem);
    await save.run(async () => {
      const body = {
        default_branch: values.default_branch.trim(),
        max_cpu: values.max_cpu.trim(),
        max_memory: values.max_memory.trim(),
        max_concurrent_runs: runs.value,
        log_cap_bytes: logCap.value,
        cancel_superseded: cancelSuperseded,
      };
      const saved = await ok(api.PUT('/project', { params: { query: { id: project.id } }, body }));
      onSaved(saved);
      setValues(textOf(saved));
      setCancelSuperseded(saved.cancel_superseded ?? false);
      return 'Saved.';
    });
  };

  return (
    <section class="card settings-section" id="limits" aria-labelledby="limits-title">
      <h2 id="limits-title">Branch and limits</h2>
      <form class="settings-grid" onSubmit={submit} onInput={save.touch} onChange={save.touch} noValidate>
        <Field id="default-branch" label="Default branch" hint="Runs started by hand use it when no branch is given." error={save.errorOf('default_branch')}>
          {input('default_branch', 'default-branch', { required: true, maxLength: 255, spellcheck: false })}
        </Field>
        <Field id="max-concurrent" label="Runs at once" hint="1 to 1000. More wait in the queue." error={save.errorOf('max_concurrent_runs')}>
          {input('max_concurrent_runs', 'max-concurrent', { type: 'number', min: 1, max: 1000, step: 1, inputMode: 'numeric' })}
        </Field>
        <Field id="max-cpu" label="Most CPU of a run" hint={<>A Kubernetes quantity: cores (2) or millicores (500m).</>} error={save.errorOf('max_cpu')}>
          {input('max_cpu', 'max-cpu', { maxLength: 20, spellcheck: false })}
        </Field>
        <Field id="max-memory" label="Most memory of a run" hint={<>A Kubernetes quantity, e.g. 4Gi or 512Mi.</>} error={save.errorOf('max_memory')}>
          {input('max_memory', 'max-memory', { maxLength: 20, spellcheck: false })}
        </Field>
        <Field
          id="log-cap"
          label="Log cap (MiB)"
          hint="The most of one execution's log that is kept: 0.0625 to 1024 MiB. Empty: the server's default (FACTORY_LOG_CAP_BYTES, 64 MiB unless set)."
          error={save.errorOf('log_cap_bytes')}
        >
          {input('log_cap_bytes', 'log-cap', { type: 'number', min: 0.0625, max: 1024, step: 'any', placeholder: 'server default', inputMode: 'decimal' })}
        </Field>
        <Field
          id="cancel-superseded"
          label="Cancel superseded runs"
          hint="A newer push to a branch, or a new commit of a pull request, cancels that branch's or pull request's older queued and running runs."
          error={save.errorOf('cancel_superseded')}
        >
          <input
            id="cancel-superseded"
            name="cancel_superseded"
            type="checkbox"
            checked={cancelSuperseded}
            onChange={(e) => setCancelSuperseded(e.currentTarget.checked)}
            aria-describedby={describedBy('cancel-superseded', save.errorOf('cancel_superseded'))}
          />
        </Field>
        <SaveRow state={save} />
      </form>
    </section>
  );
}
