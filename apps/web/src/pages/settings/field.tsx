/** One labelled input of a settings form, with its hint and its error (both read out with the input). */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { SaveState } from './use-save';

/** The ids an input of `id` is described by: its hint, and its error when there is one. */
export const describedBy = (id: string, error: string | null): string => (error ? `${id}-hint ${id}-error` : `${id}-hint`);

export function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: ComponentChildren; error: string | null; children: ComponentChildren }) {
  const wrapper = useRef<HTMLDivElement>(null);
  // a new error takes the keyboard to the field it is about (its message is read with it)
  useEffect(() => {
    if (error) wrapper.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [error]);
  return (
    <div class={`field${error ? ' has-error' : ''}`} ref={wrapper}>
      <label for={id}>{label}</label>
      {children}
      <p id={`${id}-hint`} class="hint">
        {hint}
      </p>
      {error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The save button of a form and what happened: saved, or an error that is about no one field. */
export function SaveRow<F extends string>({ state, label = 'Save' }: { state: SaveState<F>; label?: string }) {
  return (
    <div class="save-row">
      <button type="submit" class="button primary" disabled={state.busy}>
        {state.busy ? 'Saving…' : label}
      </button>
      <SaveOutcome state={state} />
    </div>
  );
}

/** What a save did: its "saved" note, or the error that is about no one field. */
export function SaveOutcome<F extends string>({ state, block = false }: { state: SaveState<F>; block?: boolean }) {
  const Done = block ? 'p' : 'span';
  return (
    <>
      <Done role="status" class="saved">
        {state.done}
      </Done>
      {state.error && state.error.field === null && (
        <p class="field-error" role="alert">
          {state.error.message}
        </p>
      )}
    </>
  );
}
