import { describe, expect, it } from 'vitest';
import { BadRequestError } from './errors.js';
import { nonFiniteField, rejectNonFiniteNumbers } from './finite-numbers.js';

describe('nonFiniteField / rejectNonFiniteNumbers', () => {
  it('finds a coerced Infinity or NaN, alone or in an array', () => {
    expect(nonFiniteField({ limit: 50, offset: 0, owner: '1e309' })).toBeNull();
    expect(nonFiniteField({ limit: Infinity })).toBe('limit');
    expect(nonFiniteField({ ids: [1, -Infinity] })).toBe('ids');
    expect(nonFiniteField({ n: NaN })).toBe('n');
    expect(nonFiniteField(undefined)).toBeNull();
  });

  it('answers 400 naming the field', async () => {
    await expect(rejectNonFiniteNumbers({ query: { limit: Infinity }, params: {} })).rejects.toThrow(new BadRequestError('querystring/limit must be a finite number'));
    await expect(rejectNonFiniteNumbers({ query: {}, params: { id: Infinity } })).rejects.toThrow('params/id must be a finite number');
    await expect(rejectNonFiniteNumbers({ query: { limit: 5 }, params: {} })).resolves.toBeUndefined();
  });
});
