import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ClaimError, claimLine, MAX_CLAIM_BYTES, parseClaim, readClaimLine } from './claim.js';

describe('parseClaim', () => {
  it('reads the run id and the token', () => {
    expect(parseClaim('{"runId":"wf-1","token":"frt_abc.def"}')).toEqual({ runId: 'wf-1', token: 'frt_abc.def' });
    expect(parseClaim(claimLine({ runId: 'a', token: 't' }).trimEnd())).toEqual({ runId: 'a', token: 't' });
  });

  it.each([
    ['not JSON', 'frt_abc'],
    ['not an object', '["wf-1","frt"]'],
    ['null', 'null'],
    ['no run id', '{"token":"frt"}'],
    ['a run id that is no label value', '{"runId":"../etc","token":"frt"}'],
    ['no token', '{"runId":"wf-1"}'],
    ['an empty token', '{"runId":"wf-1","token":""}'],
    ['a token with whitespace', '{"runId":"wf-1","token":"a b"}'],
  ])('refuses %s', (_what, line) => {
    expect(() => parseClaim(line)).toThrow(ClaimError);
  });
});

describe('readClaimLine', () => {
  it('resolves with the first line, however it is cut into chunks', async () => {
    const input = new PassThrough();
    const line = readClaimLine(input);
    input.write('{"runId":"wf');
    input.write('-1","token":"t"}\nwhatever follows');
    expect(await line).toBe('{"runId":"wf-1","token":"t"}');
  });

  it('resolves undefined when the channel closes before a whole line', async () => {
    const closed = new PassThrough();
    const line = readClaimLine(closed);
    closed.end('{"runId":"wf-1"');
    expect(await line).toBeUndefined();
    const empty = new PassThrough();
    const nothing = readClaimLine(empty);
    empty.end();
    expect(await nothing).toBeUndefined();
  });

  it('refuses a line longer than the limit', async () => {
    const input = new PassThrough();
    const line = readClaimLine(input);
    input.write('x'.repeat(MAX_CLAIM_BYTES + 1));
    await expect(line).rejects.toThrow(ClaimError);
  });
});
