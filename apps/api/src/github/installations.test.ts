import { describe, expect, it } from 'vitest';
import { disambiguatedOwnerName } from './installations.js';

describe('disambiguatedOwnerName', () => {
  it('<login>-<id>, the login shortened so that it fits the 100-character owner name', () => {
    expect(disambiguatedOwnerName({ login: 'octocat', id: 583231, type: 'User' })).toBe('octocat-583231');
    const long = disambiguatedOwnerName({ login: 'x'.repeat(100), id: 12345678901, type: 'User' });
    expect(long).toHaveLength(100);
    expect(long.endsWith('-12345678901')).toBe(true);
  });
});
