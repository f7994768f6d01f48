import { describe, expect, it } from 'vitest';
import { createMasker, createStreamMasker, MASK, maskPatterns } from './masker.js';

function streamThrough(secrets: string[], chunks: string[]): { out: string; maxHeld: number } {
  const masker = createStreamMasker(secrets);
  let out = '';
  let fed = 0;
  let maxHeld = 0;
  for (const chunk of chunks) {
    fed += chunk.length;
    out += masker.push(chunk);
    // Everything fed is either emitted (masked) or held back; measure the hold-back by what has not been decided.
    const decided = createMasker(secrets)(chunks.join('').slice(0, fed)).length;
    maxHeld = Math.max(maxHeld, decided - out.length);
  }
  return { out: out + masker.end(), maxHeld };
}

describe('createMasker', () => {
  it('masks every occurrence of every secret', () => {
    const mask = createMasker(['hunter2', 's3cr3t']);
    expect(mask('pw=hunter2 token=s3cr3t again hunter2')).toBe(`pw=${MASK} token=${MASK} again ${MASK}`);
  });

  it('prefers the longest secret at a position and ignores empty values', () => {
    const mask = createMasker(['abc', 'abcdef', '']);
    expect(mask('xabcdefx abcx')).toBe(`x${MASK}x ${MASK}x`);
  });

  it('masks a multi-line secret as a whole and each of its lines alone', () => {
    const key = '-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEE\n-----END KEY-----';
    const mask = createMasker([key]);
    expect(mask(`key:\n${key}\ndone`)).toBe(`key:\n${MASK}\ndone`);
    expect(mask('line: DDDDEEEE')).toBe(`line: ${MASK}`);
    expect(maskPatterns([key])).toContain('AAAABBBBCCCC');
  });

  it('leaves text alone when there are no secrets', () => {
    expect(createMasker([])('nothing to hide')).toBe('nothing to hide');
  });
});

describe('createStreamMasker', () => {
  const secret = 'p4ssw0rd-XYZ';
  const text = `before ${secret} middle ${secret}${secret} after`;
  const expected = `before ${MASK} middle ${MASK}${MASK} after`;

  it('masks a secret split at every possible boundary, holding back at most (longest - 1) characters', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const { out, maxHeld } = streamThrough([secret], [text.slice(0, cut), text.slice(cut)]);
      expect(out, `cut at ${cut}`).toBe(expected);
      expect(maxHeld).toBeLessThanOrEqual(secret.length - 1);
    }
  });

  it('masks a secret split at every pair of boundaries (three chunks)', () => {
    const short = `a${secret}b`;
    for (let i = 0; i <= short.length; i++) {
      for (let j = i; j <= short.length; j++) {
        const { out } = streamThrough([secret], [short.slice(0, i), short.slice(i, j), short.slice(j)]);
        expect(out, `cuts at ${i},${j}`).toBe(`a${MASK}b`);
      }
    }
  });

  it('masks when fed one character at a time, also a multi-line secret', () => {
    const multi = 'line-one-xx\nline-two-yy';
    const input = `<${multi}> and <${secret}>`;
    const { out } = streamThrough([secret, multi], [...input]);
    expect(out).toBe(`<${MASK}> and <${MASK}>`);
  });

  it('gives the same result as masking the whole stream, for overlapping secrets', () => {
    const secrets = ['abab', 'bab', 'aaaa'];
    const input = 'ababab aaaaa babab abaabab';
    const whole = createMasker(secrets)(input);
    for (let cut = 0; cut <= input.length; cut++) {
      expect(streamThrough(secrets, [input.slice(0, cut), input.slice(cut)]).out).toBe(whole);
    }
  });

  it('passes text through at once when there are no secrets', () => {
    const masker = createStreamMasker([]);
    expect(masker.push('abc')).toBe('abc');
    expect(masker.end()).toBe('');
  });

  it('emits everything at once unless its tail could be the start of a secret', () => {
    const masker = createStreamMasker([secret]);
    expect(masker.push('0123456789abcdefghij\n')).toBe('0123456789abcdefghij\n');
    const start = secret.slice(0, 3);
    expect(masker.push(`waiting ${start}`)).toBe('waiting ');
    expect(masker.end()).toBe(start);
  });
});
