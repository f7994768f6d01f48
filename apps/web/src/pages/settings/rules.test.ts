import { describe, expect, it } from 'vitest';
import { fieldOfMessage, logCapText, newWebhookSecret, parseConcurrentRuns, parseLogCap, parsePipelines, rotationOutcome, secretProblem, whyManual } from './rules';

describe('the log cap in MiB', () => {
  it('shows bytes as MiB, null as empty', () => {
    expect([logCapText(null), logCapText(67_108_864), logCapText(65_536), logCapText(1_500_000)]).toEqual(['', '64', '0.063', '1.431']);
  });
  const cases: [string, ReturnType<typeof parseLogCap>][] = [
    ['', { ok: true, value: null }],
    ['  ', { ok: true, value: null }],
    ['64', { ok: true, value: 67_108_864 }],
    ['0.0625', { ok: true, value: 65_536 }],
    ['1024', { ok: true, value: 1_073_741_824 }],
    ['1025', { ok: false, problem: 'from 0.0625 MiB (64 KiB) to 1024 MiB (1 GiB)' }],
    ['0.01', { ok: false, problem: 'from 0.0625 MiB (64 KiB) to 1024 MiB (1 GiB)' }],
    ['lots', { ok: false, problem: 'a number of MiB, e.g. 64, or empty for the server default' }],
  ];
  for (const [text, parsed] of cases) it(`"${text}"`, () => expect(parseLogCap(text)).toEqual(parsed));
});

describe('the pipelines that may get secrets', () => {
  it('splits on commas, spaces and lines, each once', () => {
    expect(parsePipelines('build, deploy\nbuild  lint')).toEqual({ ok: true, value: ['build', 'deploy', 'lint'] });
    expect(parsePipelines('  ')).toEqual({ ok: true, value: [] });
  });
  it('refuses what is no pipeline name', () => {
    expect(parsePipelines('build, de/ploy')).toEqual({ ok: false, problem: '"de/ploy" is not a pipeline name (letters, digits, "_", "-" and ".")' });
  });
});

describe('concurrent runs', () => {
  it('a whole number from 1 to 1000', () => {
    expect(['1', '1000', '0', '1001', '2.5', '', 'x'].map((text) => parseConcurrentRuns(text).ok)).toEqual([true, true, false, false, false, false, false]);
    expect(parseConcurrentRuns(' 7 ')).toEqual({ ok: true, value: 7 });
  });
});

describe('run secret rules', () => {
  it('names like environment variables in upper case, values of 4+ characters', () => {
    expect(secretProblem('NPM_TOKEN', 'abcd')).toBeNull();
    expect(secretProblem('_X1', 'abcdef')).toBeNull();
    expect(secretProblem('npm_token', 'abcd')?.field).toBe('name');
    expect(secretProblem('1TOKEN', 'abcd')?.field).toBe('name');
    expect(secretProblem('A'.repeat(101), 'abcd')?.field).toBe('name');
    expect(secretProblem('TOKEN', 'abc')).toEqual({ field: 'value', problem: 'at least 4 characters' });
  });
});

describe('fieldOfMessage', () => {
  const fields = ['max_cpu', 'max_memory', 'name'] as const;
  it('finds the field Fastify names', () => {
    expect(fieldOfMessage('body/max_cpu must match pattern "^[0-9]+$"', fields)).toBe('max_cpu');
    expect(fieldOfMessage('querystring/name must match pattern "^[A-Z_]"', fields)).toBe('name');
  });
  it('null for a message about something else', () => {
    expect(fieldOfMessage('body/default_branch must NOT have fewer than 1 characters', fields)).toBeNull();
    expect(fieldOfMessage('no project 123', fields)).toBeNull();
  });
});

describe('newWebhookSecret', () => {
  it('hex of the random bytes it is given (64 characters for 32 bytes)', () => {
    const counting = (array: Uint8Array) => array.map((_, i) => i * 8);
    const secret = newWebhookSecret(counting);
    expect(secret).toHaveLength(64);
    expect(secret.slice(0, 8)).toBe('00081018');
  });
});

describe('after a new webhook secret', () => {
  it('says what became of the repository webhook', () => {
    expect(rotationOutcome({})).toEqual({ tone: 'warn', text: 'Set this secret on the repository webhook by hand now: until then its deliveries are refused (401).' });
    expect(rotationOutcome({ webhook: { status: 'updated', message: 'the secret of the webhook on acme/widgets was changed' } })).toEqual({
      tone: 'ok',
      text: 'Done: the secret of the webhook on acme/widgets was changed.',
    });
    expect(rotationOutcome({ webhook: { status: 'manual', message: 'GitHub refused to change the webhook secret (403): change it on GitHub by hand' } })).toEqual({
      tone: 'warn',
      text: 'GitHub refused to change the webhook secret (403): change it on GitHub by hand. Until then its deliveries are refused (401).',
    });
  });
});

describe('whyManual', () => {
  it('the reason as a sentence', () => {
    expect(whyManual('the GitHub App is not configured: add the webhook by hand')).toBe('The GitHub App is not configured.');
    expect(whyManual('PUBLIC_URL is not set, so FactoryCI cannot tell GitHub where to send events: add the webhook by hand')).toBe(
      'PUBLIC_URL is not set, so FactoryCI cannot tell GitHub where to send events.',
    );
  });
});
