import { describe, expect, it } from 'vitest';
import { integerFlag, keyValues, parseCommandLine, runId, uuidArgument } from './cli-args.js';
import { findCommand } from './cli.js';
import { UsageError } from './usage.js';

const spec = { options: { follow: { type: 'boolean', short: 'f' }, pipeline: { type: 'string' } }, positionals: ['run'] } as const;

describe('parsing a command line', () => {
  it('gives flags and named arguments; --json and --help are everyone\'s', () => {
    expect(parseCommandLine(['abc', '-f', '--pipeline', 'build', '--json'], spec)).toEqual({
      values: { follow: true, pipeline: 'build', json: true },
      positionals: { run: 'abc' },
    });
    expect(parseCommandLine(['--help'], spec)).toEqual({ values: { help: true }, positionals: {} });
  });

  it.each([
    [[], 'missing <run>'],
    [['a', 'b'], 'unexpected argument "b"'],
    [['a', '--bogus'], "Unknown option '--bogus'"],
    [['a', '--pipeline'], "Option '--pipeline <value>' argument missing"],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommandLine(argv, spec)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, spec)).toThrow(message);
  });

  it('checks run ids, whole numbers and KEY=VALUE pairs', () => {
    expect(runId('0B6F0000-0000-4000-8000-000000000000')).toBe('0b6f0000-0000-4000-8000-000000000000');
    expect(() => runId('12')).toThrow('"12" is not a run id');
    expect(() => uuidArgument('token id', 'fci_abc')).toThrow('"fci_abc" is not a token id (a UUID, as the list shows them)');
    expect(integerFlag('limit', '20', 1, 200)).toBe(20);
    expect(integerFlag('limit', undefined, 1, 200)).toBeUndefined();
    for (const bad of ['0', '201', '1.5', '-1', '1e3', '']) expect(() => integerFlag('limit', bad, 1, 200)).toThrow('--limit must be a whole number from 1 to 200');
    expect(keyValues('input', ['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(keyValues('input', undefined)).toBeUndefined();
    expect(() => keyValues('input', ['=1'])).toThrow('--input "=1": give KEY=VALUE');
    expect(() => keyValues('input', ['a=1', 'a=2'])).toThrow('--input a is given twice');
  });
});

describe('finding the command', () => {
  it('by name, with subcommands for secrets and tokens; help without one', () => {
    expect(findCommand(['runs', '--limit', '3'])).toMatchObject({ name: 'runs', rest: ['--limit', '3'] });
    expect(findCommand(['secrets', 'set', 'X'])).toMatchObject({ name: 'secrets set', rest: ['X'] });
    expect(findCommand(['tokens', 'revoke', 'id'])).toMatchObject({ name: 'tokens revoke', rest: ['id'] });
    expect(findCommand([])).toMatchObject({ ok: false, help: expect.stringContaining('usage: factoryctl <command>') });
    expect(findCommand(['--help'])).toMatchObject({ ok: true });
    expect(findCommand(['secrets'])).toMatchObject({ ok: false, help: expect.stringContaining('usage: factoryctl secrets') });
    expect(findCommand(['tokens', '-h'])).toMatchObject({ ok: true, help: expect.stringContaining('usage: factoryctl tokens') });
    expect(() => findCommand(['deploy'])).toThrow('unknown command "deploy"');
    expect(() => findCommand(['secrets', 'rotate'])).toThrow('unknown command "secrets rotate"');
  });
});
