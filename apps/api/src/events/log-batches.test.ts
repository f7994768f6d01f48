import { describe, expect, it } from 'vitest';
import { chunksWithinBytes } from './log-batches.js';

describe('chunksWithinBytes', () => {
  it.each([
    { sizes: [], max: 10, take: 0 },
    { sizes: [3, 3, 3], max: 10, take: 3 },
    { sizes: [4, 4, 4], max: 8, take: 2 },
    { sizes: [4, 4, 4], max: 7, take: 1 },
    { sizes: [20, 1], max: 10, take: 1 }, // one chunk over the bound still goes: a batch always moves on
    { sizes: [1, 20], max: 10, take: 1 },
  ])('$sizes within $max bytes: $take', ({ sizes, max, take }) => {
    expect(chunksWithinBytes(sizes, max)).toBe(take);
  });
});
