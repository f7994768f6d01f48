/**
 * Kubernetes resource quantities as the `runner` block takes them: a positive decimal number with an optional
 * binary suffix (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or exponent (e3), e.g. "500m", "2", "1.5Gi".
 */
const QUANTITY = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Why `text` is not a positive Kubernetes quantity, or undefined when it is one. */
export function quantityProblem(text: string): string | undefined {
  if (!QUANTITY.test(text)) {
    return `"${text}" is not a Kubernetes quantity (e.g. "500m", "2", "512Mi", "2Gi")`;
  }
  const number = Number.parseFloat(text);
  if (!(number > 0)) return `"${text}" must be greater than zero`;
  return undefined;
}
