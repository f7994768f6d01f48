import { MAX_LOG_BATCH_CHUNKS } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { logBatchReady } from './log-batch-rule.js';

describe('logBatchReady: a log request goes now or waits to carry more', () => {
  it.each([
    ['nothing in flight: one chunk goes at once', { inFlight: 0, chunks: 1, followed: false }, true],
    ['a request in flight: one chunk waits for more', { inFlight: 1, chunks: 1, followed: false }, false],
    ['a request in flight: a batch short of full waits', { inFlight: 1, chunks: MAX_LOG_BATCH_CHUNKS - 1, followed: false }, false],
    ['a request in flight: a full batch goes', { inFlight: 1, chunks: MAX_LOG_BATCH_CHUNKS, followed: false }, true],
    ['a request in flight: a batch followed by a status or another execution cannot grow, and goes', { inFlight: 1, chunks: 1, followed: true }, true],
  ] as const)('%s', (_name, input, ready) => {
    expect(logBatchReady(input)).toBe(ready);
  });
});
