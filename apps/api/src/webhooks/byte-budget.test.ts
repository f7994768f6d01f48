import { describe, expect, it } from 'vitest';
import { ByteBudget } from './byte-budget.js';

describe('ByteBudget', () => {
  it('takes bytes while they fit, refuses what would pass the limit, and gets them back on release', () => {
    const budget = new ByteBudget(100);
    expect(budget.take(60)).toBe(true);
    expect(budget.take(40)).toBe(true);
    expect(budget.inUse).toBe(100);
    expect(budget.take(1)).toBe(false);
    expect(budget.inUse).toBe(100);
    budget.release(60);
    expect(budget.take(50)).toBe(true);
    expect(budget.inUse).toBe(90);
    budget.release(90);
    budget.release(5);
    expect(budget.inUse).toBe(0);
    expect(budget.take(101)).toBe(false);
  });
});
