/**
 * A confirmation as a native modal <dialog>: focus moves into it and stays there, Escape and "Cancel" close it
 * without doing anything. `useConfirm()` gives `confirm(question)` (resolves true or false) and the dialog to render.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import '../styles/dialog.css';

export interface ConfirmQuestion {
  title: string;
  body?: ComponentChildren;
  /** The confirming button's words, e.g. "Delete secret". */
  confirm: string;
  danger?: boolean;
}

export function ConfirmDialog({ question, onAnswer }: { question: ConfirmQuestion | null; onAnswer(yes: boolean): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (question && !element.open) element.showModal();
    if (!question && element.open) element.close();
  }, [question]);
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="confirm-title"
      // Escape: the browser cancels the dialog; answer no
      onCancel={(event) => {
        event.preventDefault();
        onAnswer(false);
      }}
    >
      {question && (
        <form method="dialog" class="stack" onSubmit={(event) => (event.preventDefault(), onAnswer(true))}>
          <h2 id="confirm-title">{question.title}</h2>
          {question.body && <div class="confirm-body">{question.body}</div>}
          <div class="row confirm-actions">
            <button type="button" class="button" onClick={() => onAnswer(false)} autoFocus>
              Cancel
            </button>
            <button type="submit" class={`button ${question.danger ? 'danger-solid' : 'primary'}`}>
              {question.confirm}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/** `confirm(question)` opens the dialog and resolves with the answer; render `dialog` once in the component. */
export function useConfirm(): { confirm(question: ConfirmQuestion): Promise<boolean>; dialog: preact.JSX.Element } {
  const [pending, setPending] = useState<{ question: ConfirmQuestion; resolve(yes: boolean): void } | null>(null);
  const confirm = (question: ConfirmQuestion) => new Promise<boolean>((resolve) => setPending({ question, resolve }));
  const answer = (yes: boolean) => {
    pending?.resolve(yes);
    setPending(null);
  };
  return { confirm, dialog: <ConfirmDialog question={pending?.question ?? null} onAnswer={answer} /> };
}
