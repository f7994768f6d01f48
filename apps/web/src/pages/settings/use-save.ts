/** A form's save: busy while the request runs, then what was saved or the API's error, placed at its field. */
import { useState } from 'preact/hooks';
import { ApiFailure } from '../../api/client';
import { fieldOfMessage } from './rules';

export interface SaveState<F extends string> {
  busy: boolean;
  /** What was done, shown beside the button. */
  done: string | null;
  /** The error and the field it is about (null: the form as a whole). */
  error: { field: F | null; message: string } | null;
  /** Runs `save` (which says what it did); an ApiFailure's message goes to the field it names. */
  run(save: () => Promise<string>): Promise<boolean>;
  /** A problem found before asking the API. */
  refuse(field: F | null, message: string): void;
  /** The form changed: what was saved before is no longer what it shows. */
  touch(): void;
  errorOf(field: F): string | null;
}

export function useSave<F extends string>(fields: readonly F[]): SaveState<F> {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<{ field: F | null; message: string } | null>(null);
  return {
    busy,
    done,
    error,
    async run(save) {
      setBusy(true);
      setDone(null);
      setError(null);
      try {
        setDone(await save());
        return true;
      } catch (failure) {
        const message = (failure as Error).message;
        const field = failure instanceof ApiFailure ? fieldOfMessage(message, fields) : null;
        setError({ field, message: failure instanceof ApiFailure && failure.status === 403 ? 'You may not change this: only admins of the project may.' : message });
        return false;
      } finally {
        setBusy(false);
      }
    },
    refuse(field, message) {
      setDone(null);
      setError({ field, message });
    },
    touch() {
      if (done !== null) setDone(null);
    },
    errorOf: (field) => (error?.field === field ? error.message : null),
  };
}
