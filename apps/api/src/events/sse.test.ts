import { describe, expect, it } from 'vitest';
import { formatSseEvent } from './sse.js';

describe('formatSseEvent', () => {
  it('writes id, event and the data as one line of JSON, newlines escaped', () => {
    expect(formatSseEvent({ id: '12', event: 'log', data: { data: 'a\nb' } })).toBe('id: 12\nevent: log\ndata: {"data":"a\\nb"}\n\n');
  });
  it('leaves out a missing id', () => {
    expect(formatSseEvent({ event: 'snapshot', data: [] })).toBe('event: snapshot\ndata: []\n\n');
  });
});
