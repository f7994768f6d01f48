/** Loading something from the API: its value, the failure a person can read, and a way to load it again. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../api/client';

export interface Loaded<T> {
  value: T | undefined;
  error: ApiFailure | Error | null;
  reload(): Promise<void>;
  set(value: T): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | Error | null>(null);
  // only the latest load's answer is shown: one that was asked for earlier (other filters) and answers later is dropped
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const loaded = await load();
      if (mine !== latest.current) return;
      setValue(loaded);
      setError(null);
    } catch (failure) {
      if (mine === latest.current) setError(failure as Error);
    }
  }, deps);
  useEffect(() => {
    setValue(undefined);
    void reload();
  }, [reload]);
  return { value, error, reload, set: setValue };
}

/** What went wrong, said for a person, with what to do next. */
export function Failure({ error, what }: { error: Error; what: string }) {
  const status = error instanceof ApiFailure ? error.status : 0;
  const advice =
    status === 404 ? `This ${what} does not exist, or you may not see it.` : status === 403 ? `You may not do this: ask an admin of the project.` : error.message;
  return (
    <p class="alert error" role="alert">
      {status === 404 ? `No such ${what}. ` : `Could not load the ${what}. `}
      {advice}
    </p>
  );
}
