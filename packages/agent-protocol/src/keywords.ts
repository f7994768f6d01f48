import { COMMIT_SHA_PATTERN, NAME_PATTERN, SECRET_NAME_PATTERN, STEP_NAME_PATTERN } from './limits.js';

/** Schema pieces the protocol's schemas share (literal types kept, for FromSchema). */

/** `type` or null, with `extra` keywords (items, maxLength, description). */
export const nullable = <T extends 'string' | 'integer' | 'array', const E extends object = object>(type: T, extra?: E) =>
  ({ type: [type, 'null'], ...(extra as E) }) as { readonly type: readonly [T, 'null'] } & E;

/** A pipeline, stage or execution name (a matrix copy's too, e.g. `unit (node=18)`). */
export const nameSchema = { type: 'string', pattern: STEP_NAME_PATTERN } as const;

/** A run secret's name (an environment variable name). */
export const secretNameSchema = { type: 'string', pattern: SECRET_NAME_PATTERN } as const;

export const commitSchema = { type: 'string', pattern: COMMIT_SHA_PATTERN } as const;

/** What a pattern means, for error messages (see validate.ts). */
export const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  [NAME_PATTERN]: 'a name (1 to 100 letters, digits, "_", "." or "-")',
  [STEP_NAME_PATTERN]: 'a name (1 to 100 characters: letters, digits, "_", "." or "-", a matrix copy\'s followed by its values as in "unit (node=18, db=mysql)")',
  [COMMIT_SHA_PATTERN]: 'a commit id (40 hex digits)',
  [SECRET_NAME_PATTERN]: 'a secret name (1 to 100 upper-case letters, digits and "_", not starting with a digit)',
};
