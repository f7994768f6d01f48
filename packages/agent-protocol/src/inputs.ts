import type { FromSchema } from 'json-schema-to-ts';
import { INPUT_NAME_PATTERN, MAX_INPUT_VALUE_BYTES, MAX_INPUTS } from './limits.js';

/**
 * A manual trigger's inputs, `{ "NAME": "value" }`: as POST /workflow/trigger takes them and GET /agent/v1/run gives
 * them. Each becomes the environment variable `INPUT_<NAME>` of every execution.
 */
export const inputsSchema = {
  type: 'object',
  maxProperties: MAX_INPUTS,
  propertyNames: { pattern: INPUT_NAME_PATTERN },
  additionalProperties: { type: 'string', maxLength: MAX_INPUT_VALUE_BYTES },
} as const;

export type Inputs = FromSchema<typeof inputsSchema>;

/** The environment variable an input is given as. */
export const inputVariable = (name: string): string => `INPUT_${name}`;

/** Why `inputs` are refused beyond what the schema checks (a value over 4 KiB of UTF-8), or null (pure). */
export function inputsProblem(inputs: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(inputs)) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_INPUT_VALUE_BYTES) return `input ${name} is ${bytes} bytes; a value has at most ${MAX_INPUT_VALUE_BYTES} bytes (UTF-8)`;
  }
  return null;
}
