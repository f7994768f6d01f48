import { describe, expect, it } from 'vitest';
import { findSigningSecret, signPayload, StreamingSignature } from './signature.js';

const body = Buffer.from('{"zen":"Design for failure."}');
const candidates = [{ secret: 'one', who: 1 }, { secret: 'two', who: 2 }];

describe('StreamingSignature', () => {
  it('over chunks, finds the same signer as findSigningSecret over the whole body', () => {
    for (const header of [signPayload('one', body), signPayload('two', body), signPayload('three', body), undefined, 'sha256=xyz', `sha1=${'0'.repeat(40)}`]) {
      const signing = new StreamingSignature(candidates);
      for (let at = 0; at < body.length; at += 5) signing.update(body.subarray(at, at + 5));
      expect(signing.signer(header), String(header)).toEqual(findSigningSecret(body, header, candidates));
    }
    expect(findSigningSecret(body, signPayload('two', body), candidates)).toEqual({ secret: 'two', who: 2 });
    expect(findSigningSecret(body, signPayload('two', body).toUpperCase().replace('SHA256=', 'sha256='), candidates)).toEqual({ secret: 'two', who: 2 });
  });

  it('with no candidates nothing signed', () => {
    const signing = new StreamingSignature([]);
    signing.update(body);
    expect(signing.signer(signPayload('one', body))).toBeNull();
  });
});
