import { describe, expect, it } from 'vitest';
import { InvalidQuantityError, parseQuantity, smallerQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['0.25', 0.25],
    ['.5', 0.5],
    ['1Ki', 1024],
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['100k', 1e5],
    ['1e3', 1000],
    ['2E-1', 0.2],
    ['250u', 250e-6],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  it.each(['', 'abc', '1 Gi', '1gi', '1KiB', '--1', '1.2.3', 'Gi'])('rejects %j naming the field', (text) => {
    expect(() => parseQuantity(text, 'memory')).toThrow(InvalidQuantityError);
    expect(() => parseQuantity(text, 'memory')).toThrow(/^memory: /);
  });
});

describe('smallerQuantity', () => {
  it('keeps the smaller one as written, across suffixes', () => {
    expect(smallerQuantity('1Gi', '1G', 'memory')).toBe('1G');
    expect(smallerQuantity('900Mi', '1G', 'memory')).toBe('900Mi');
    expect(smallerQuantity('1500m', '2', 'cpu')).toBe('1500m');
    expect(smallerQuantity('4', '2', 'cpu')).toBe('2');
  });
});
