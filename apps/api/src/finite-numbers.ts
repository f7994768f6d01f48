/**
 * Query strings and path parameters are coerced to numbers by the JSON schemas, and Ajv 8 lets a coerced `1e309`
 * (Infinity) pass `type: integer` with `maximum`. This finds such a value so the request is a 400, not a database error.
 * (JSON bodies are not affected: a parsed Infinity fails `type: integer`.)
 */
import { BadRequestError } from './errors.js';

/** The first field of `values` that is a number but not a finite one, or null. */
export function nonFiniteField(values: unknown): string | null {
  if (values === null || typeof values !== 'object') return null;
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.some((v) => typeof v === 'number' && !Number.isFinite(v))) return key;
  }
  return null;
}

/** A preHandler: 400 when the (validated, coerced) query or params hold a non-finite number. */
export async function rejectNonFiniteNumbers(request: { query: unknown; params: unknown }): Promise<void> {
  for (const [where, values] of [['querystring', request.query], ['params', request.params]] as const) {
    const field = nonFiniteField(values);
    if (field !== null) throw new BadRequestError(`${where}/${field} must be a finite number`);
  }
}
