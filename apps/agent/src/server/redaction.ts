import { createMasker } from '../masker.js';

/**
 * The values the agent must never show (run token, clone token, secrets), learnt as the run goes on: the run token
 * at start, the rest from `GET /agent/v1/run`. `mask` replaces each of them by `***` (as the output masker does).
 */
export interface Redactor {
  add(...values: (string | undefined)[]): void;
  mask(text: string): string;
  values(): string[];
}

export function createRedactor(initial: (string | undefined)[] = []): Redactor {
  const known = new Set<string>();
  let mask: (text: string) => string = (text) => text;
  const redactor: Redactor = {
    add(...values) {
      let changed = false;
      for (const value of values) {
        if (value === undefined || value === '' || known.has(value)) continue;
        known.add(value);
        changed = true;
      }
      if (changed) mask = createMasker(known);
    },
    mask: (text) => mask(text),
    values: () => [...known],
  };
  redactor.add(...initial);
  return redactor;
}
