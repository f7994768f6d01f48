/**
 * Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
 * a decimal number with an optional binary suffix (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or decimal
 * exponent (e3, E-2). Parsed to a plain number in base units (cores for cpu, bytes for memory).
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A text that is not a Kubernetes quantity. */
export class InvalidQuantityError extends Error {
  constructor(readonly text: string, readonly field: string) {
    super(`${field}: "${text}" is not a Kubernetes quantity (e.g. "500m", "2", "512Mi", "1G")`);
    this.name = 'InvalidQuantityError';
  }
}

/** The value of `text` in base units; throws InvalidQuantityError naming `field` when it is not a quantity. */
export function parseQuantity(text: string, field = 'quantity'): number {
  const match = QUANTITY.exec(text.trim());
  if (!match) throw new InvalidQuantityError(text, field);
  const number = Number.parseFloat(match[1] ?? '');
  const suffix = match[2];
  if (suffix === undefined) return number;
  if (suffix in BINARY) return number * (BINARY[suffix] ?? 1);
  if (suffix in DECIMAL) return number * (DECIMAL[suffix] ?? 1);
  return number * 10 ** Number.parseInt(suffix.slice(1), 10);
}

/** Whichever of two quantities is smaller, as given (so "2Gi" stays "2Gi"). */
export function smallerQuantity(a: string, b: string, field: string): string {
  return parseQuantity(a, field) <= parseQuantity(b, field) ? a : b;
}
