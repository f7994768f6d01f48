/** Above an execution's log: that its failure is allowed (`allow_failure`), and how each of its attempts ended (`retry`). */
import type { Execution } from '../api/types';
import { attemptLines } from '../run/execution-words';

export function ExecutionNotes({ execution }: { execution: Execution }) {
  const attempts = attemptLines(execution);
  if (!execution.allowed_failure && attempts.length === 0) return null;
  return (
    <div class="execution-notes">
      {execution.allowed_failure && <p class="allowed-failure-note">It failed, but it may (allow_failure): its stage did not fail because of it.</p>}
      {attempts.length > 0 && (
        <ol class="attempts" aria-label="Attempts">
          {attempts.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ol>
      )}
      {attempts.length > 0 && <p class="muted">The log holds every attempt; a line marks where each next attempt starts.</p>}
    </div>
  );
}
