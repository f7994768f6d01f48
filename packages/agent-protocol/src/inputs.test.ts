import { describe, expect, it } from 'vitest';
import { inputsProblem, inputsSchema, inputVariable } from './inputs.js';
import { schemaCheck } from './validate.js';

const check = schemaCheck(inputsSchema, { name: 'inputs' });

describe("a manual trigger's inputs", () => {
  it.each([
    { inputs: {}, ok: true },
    { inputs: { TARGET: 'staging', _X: '', A1_B: 'x'.repeat(4096) }, ok: true },
    { inputs: { [`A${'B'.repeat(63)}`]: 'x' }, ok: true },
    { inputs: { [`A${'B'.repeat(64)}`]: 'x' }, ok: false },
    { inputs: { target: 'x' }, ok: false },
    { inputs: { '1A': 'x' }, ok: false },
    { inputs: { 'A-B': 'x' }, ok: false },
    { inputs: { A: 'x'.repeat(4097) }, ok: false },
    { inputs: { A: 1 }, ok: false },
    { inputs: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`I${i}`, 'x'])), ok: true },
    { inputs: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`I${i}`, 'x'])), ok: false },
  ])('$inputs → $ok', ({ inputs, ok }) => {
    expect(check(inputs).ok).toBe(ok);
  });

  it('bounds a value at 4 KiB of UTF-8, not of characters', () => {
    expect(inputsProblem({ A: 'é'.repeat(2048) })).toBeNull();
    expect(inputsProblem({ A: 'x', B: 'é'.repeat(2049) })).toBe('input B is 4098 bytes; a value has at most 4096 bytes (UTF-8)');
  });

  it('is given as INPUT_<NAME>', () => {
    expect(inputVariable('TARGET')).toBe('INPUT_TARGET');
  });
});
