/**
 * A minimal log viewer (the full one, with ranges and live chunks, is built separately): the execution's whole log
 * (GET /execution/log) in a <pre>, read again every 2 s while it runs and once more when it ends.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';

export function LogViewer(props: { workflowId: string; executionId: string; executionName: string; running: boolean }) {
  const { executionId, executionName, running } = props;
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      try {
        const log = await ok(api.GET('/execution/log', { params: { query: { id: executionId } }, parseAs: 'text' }));
        if (!stopped) {
          setText(log as unknown as string);
          setError(null);
        }
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
    };
    void read();
    const timer = running ? setInterval(() => void read(), 2000) : undefined;
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [executionId, running]);

  useEffect(() => setText(null), [executionId]);

  if (error) return <p class="alert error" role="alert">Could not load the log of {executionName}: {error}</p>;
  if (text === null) return <p class="muted" aria-busy="true">Loading the log…</p>;
  if (text === '') return <p class="muted">{running ? 'No output yet: it appears here as the execution prints it.' : 'This execution printed nothing.'}</p>;
  return (
    <pre class="log-text" aria-label={`Log of ${executionName}`} tabIndex={0}>
      {text}
    </pre>
  );
}
