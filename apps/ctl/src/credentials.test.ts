import { describe, expect, it } from 'vitest';
import { checkToken, configFilePath, normaliseServer, plainHttpWarning, resolveCredentials } from './credentials.js';
import { NotSignedInError } from './errors.js';
import { UsageError } from './usage.js';

describe('where the login is stored', () => {
  it('in $XDG_CONFIG_HOME/factoryci when it is an absolute path, else ~/.config/factoryci', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/a' }, '/os')).toBe('/x/cfg/factoryci/config.json');
    expect(configFilePath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/a' }, '/os')).toBe('/home/a/.config/factoryci/config.json');
    expect(configFilePath({}, '/os/home')).toBe('/os/home/.config/factoryci/config.json');
  });
});

describe('which server and token are used', () => {
  const stored = { server: 'https://stored.example', token: 'stored-token' };
  it('FACTORY_SERVER and FACTORY_TOKEN win, each on its own, over the stored login', () => {
    expect(resolveCredentials({}, stored)).toEqual(stored);
    expect(resolveCredentials({ FACTORY_TOKEN: 'env-token' }, stored)).toEqual({ server: stored.server, token: 'env-token' });
    expect(resolveCredentials({ FACTORY_SERVER: 'http://127.0.0.1:8080/', FACTORY_TOKEN: ' t ' }, undefined)).toEqual({ server: 'http://127.0.0.1:8080', token: 't' });
  });
  it('without a server or a token: not signed in', () => {
    expect(() => resolveCredentials({}, undefined)).toThrow(new NotSignedInError('server'));
    expect(() => resolveCredentials({ FACTORY_SERVER: 'https://a' }, {})).toThrow(new NotSignedInError('token'));
  });
});

describe('server addresses and tokens as typed', () => {
  it.each([
    ['https://ci.example.com/', 'https://ci.example.com'],
    ['ci.example.com', 'https://ci.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['  https://example.com/factory//  ', 'https://example.com/factory'],
  ])('%s → %s', (input, server) => expect(normaliseServer(input)).toBe(server));

  it.each(['ftp://x', 'https://a/?q=1', 'http://user@host', 'http://', ''])('%j is refused', (input) => {
    expect(() => normaliseServer(input)).toThrow(UsageError);
  });

  it('a token is one word', () => {
    expect(checkToken(' fci_abc\n')).toBe('fci_abc');
    expect(() => checkToken('   ')).toThrow('the token is empty');
    expect(() => checkToken('two words')).toThrow('a token has no spaces');
  });
});

describe('a token over plain http', () => {
  it('is warned about unless the server is this machine', () => {
    for (const local of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'https://ci.example.com']) expect(plainHttpWarning(local)).toBeUndefined();
    expect(plainHttpWarning('http://ci.example.com')).toBe('http://ci.example.com is plain http: the token crosses the network unencrypted. Use https:// unless this network is private.');
  });
});
