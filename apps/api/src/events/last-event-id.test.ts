import { describe, expect, it } from 'vitest';
import { resumeCursor } from './last-event-id.js';

describe('resumeCursor', () => {
  it.each([
    { header: undefined, query: undefined, cursor: 0n },
    { header: '', query: '', cursor: 0n },
    { header: '42', query: undefined, cursor: 42n },
    { header: ' 42 ', query: undefined, cursor: 42n },
    { header: undefined, query: '7', cursor: 7n },
    { header: '42', query: '7', cursor: 42n }, // the header wins
    { header: ['5', '6'], query: undefined, cursor: 5n },
    { header: '9223372036854775807', query: undefined, cursor: 9223372036854775807n },
    { header: '9223372036854775808', query: undefined, cursor: undefined },
    { header: 'abc', query: undefined, cursor: undefined },
    { header: '-1', query: undefined, cursor: undefined },
    { header: '1.5', query: undefined, cursor: undefined },
  ])('header $header, query $query → $cursor', ({ header, query, cursor }) => {
    expect(resumeCursor(header, query)).toBe(cursor);
  });
});
