import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { formatSseEvent, openSse } from './sse.js';

describe('formatSseEvent', () => {
  it('writes id, event and the data as one line of JSON, newlines escaped', () => {
    expect(formatSseEvent({ id: '12', event: 'log', data: { data: 'a\nb' } })).toBe('id: 12\nevent: log\ndata: {"data":"a\\nb"}\n\n');
  });
  it('leaves out a missing id', () => {
    expect(formatSseEvent({ event: 'snapshot', data: [] })).toBe('event: snapshot\ndata: []\n\n');
  });
});

describe('openSse', () => {
  /** A response whose buffer is full until `drain` (what matters of a ServerResponse here). */
  function fullResponse() {
    const response = Object.assign(new EventEmitter(), {
      written: [] as string[],
      writableEnded: false,
      writeHead: () => response,
      flushHeaders: () => undefined,
      write(text: string) {
        response.written.push(text);
        return false;
      },
      end() {
        response.writableEnded = true;
      },
    });
    return response;
  }
  const settled = async (promise: Promise<unknown>) => Promise.race([promise.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);

  it('waits for drain before a send resolves when the response is full', async () => {
    const response = fullResponse();
    const sse = openSse(response as unknown as ServerResponse);
    const sending = sse.send({ event: 'log', data: 1 });
    expect(await settled(sending)).toBe(false);
    response.emit('drain');
    expect(await settled(sending)).toBe(true);
    expect(response.written).toEqual(['event: log\ndata: 1\n\n']);
  });

  it('aborts its signal and releases a waiting send when the client goes, and writes nothing after', async () => {
    const response = fullResponse();
    const sse = openSse(response as unknown as ServerResponse);
    const sending = sse.send({ event: 'log', data: 1 });
    response.emit('close');
    expect(await settled(sending)).toBe(true);
    expect(sse.signal.aborted).toBe(true);
    await sse.send({ event: 'log', data: 2 });
    expect(response.written).toHaveLength(1);
  });
});
