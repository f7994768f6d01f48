import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLUMN_LIMITS } from './column-limits.js';

const schema = readFileSync(new URL('../../../../prisma/schema.prisma', import.meta.url), 'utf8');

/** The `@db.VarChar(n)` of `model.field` in prisma/schema.prisma, or null. */
function varcharOf(model: string, field: string): number | null {
  const body = new RegExp(`^model ${model} \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(schema)?.[1];
  if (!body) return null;
  const line = body.split('\n').find((l) => l.trim().split(/\s+/)[0] === field);
  const n = line ? /@db\.VarChar\((\d+)\)/.exec(line)?.[1] : undefined;
  return n === undefined ? null : Number(n);
}

describe('COLUMN_LIMITS', () => {
  for (const [model, fields] of Object.entries(COLUMN_LIMITS)) {
    for (const [field, length] of Object.entries(fields)) {
      it(`${model}.${field} is VarChar(${length}) in prisma/schema.prisma`, () => {
        expect(varcharOf(model, field)).toBe(length);
      });
    }
  }
});
