/**
 * Kubernetes label and field selectors, the equality-based subset: `k=v`, `k==v`, `k!=v`, `k` (exists), `!k`,
 * comma-separated (all must hold). Set-based forms (`k in (a,b)`) are rejected as unsupported.
 */
export type Selector = (values: Record<string, string | undefined>) => boolean;

export class UnsupportedSelectorError extends Error {}

export function parseSelector(text: string | null): Selector {
  if (!text) return () => true;
  const terms = text.split(',').map((term) => term.trim()).filter(Boolean);
  const tests = terms.map((term): Selector => {
    let match = /^([^!=\s]+)\s*(==|=|!=)\s*([^=\s]*)$/.exec(term);
    if (match) {
      const [, key = '', op, value] = match;
      return op === '!=' ? (values) => values[key] !== value : (values) => values[key] === value;
    }
    match = /^(!?)([^!=\s()]+)$/.exec(term);
    if (match) {
      const [, not, key = ''] = match;
      return not ? (values) => values[key] === undefined : (values) => values[key] !== undefined;
    }
    throw new UnsupportedSelectorError(`unable to parse requirement: ${term}`);
  });
  return (values) => tests.every((test) => test(values));
}
