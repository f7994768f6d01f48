/**
 * The rule of a run secret's value (PUT /project/secret): at least MIN_SECRET_CHARS characters, because runs mask every
 * occurrence of a secret in their logs, and masking a 1–3 character value would hide (and so reveal) every occurrence
 * of those characters; at most MAX_SECRET_CHARS.
 */
import type { FastifySchemaValidationError } from 'fastify';

/** Where a validation error is (Fastify's `SchemaErrorDataVar`). */
type DataVar = 'body' | 'headers' | 'params' | 'querystring';

export const MIN_SECRET_CHARS = 4;
/** The largest secret value accepted (characters). */
export const MAX_SECRET_CHARS = 256 * 1024;

export const secretValueBody = {
  type: 'object',
  properties: {
    value: {
      type: 'string',
      minLength: MIN_SECRET_CHARS,
      maxLength: MAX_SECRET_CHARS,
      description: `${MIN_SECRET_CHARS} to ${MAX_SECRET_CHARS} characters`,
    },
  },
  required: ['value'],
  additionalProperties: false,
} as const;

export const SHORT_SECRET_MESSAGE =
  `a run secret must be at least ${MIN_SECRET_CHARS} characters long: ` +
  'runs mask every occurrence of a secret in their logs, and masking a shorter value would mask (and so reveal) every occurrence of its characters';

/**
 * The route's validation message: Fastify's own (`body/value must …`), except for a value that is too short, which
 * says why it is refused.
 */
export function secretValueErrorFormatter(errors: FastifySchemaValidationError[], dataVar: DataVar): Error {
  const short = errors.some((e) => dataVar === 'body' && e.instancePath === '/value' && e.keyword === 'minLength');
  if (short) return new Error(SHORT_SECRET_MESSAGE);
  return new Error(errors.map((e) => `${dataVar}${e.instancePath ?? ''} ${e.message ?? 'is invalid'}`).join(', '));
}
