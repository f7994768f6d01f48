/** A run's, pipeline's, stage's or execution's status as a coloured badge, in words (never colour alone). */
import type { Status } from '../api/types';

const WORDS: Record<string, string> = {
  awaiting_approval: 'awaiting approval',
  reused: 'reused',
};

export const statusWords = (status: string): string => WORDS[status] ?? status.replace(/_/g, ' ');

export function StatusBadge({ status, title }: { status: Status | string; title?: string | undefined }) {
  return (
    <span class={`status status-${status}`} title={title}>
      <span class="status-dot" aria-hidden="true" />
      {statusWords(status)}
    </span>
  );
}
