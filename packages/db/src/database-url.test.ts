import { describe, expect, it } from 'vitest';
import { InvalidDatabaseUrlError, parseDatabaseUrl, quoteIdentifier, withDatabase } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('splits a full URL, decoding user and password', () => {
    const url = parseDatabaseUrl('mysql://fac%40tory:p%3Ass%2Fw@db.example:3307/factory?connection_limit=4');
    expect(url).toMatchObject({ host: 'db.example', port: 3307, user: 'fac@tory', password: 'p:ss/w', database: 'factory' });
    expect(url.params.get('connection_limit')).toBe('4');
  });

  it('defaults the port, the user and an empty database', () => {
    expect(parseDatabaseUrl('mysql://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'root', password: undefined, database: '' });
    expect(parseDatabaseUrl('mariadb://[::1]:3306/x')).toMatchObject({ host: '::1', database: 'x' });
  });

  it('rejects what is not a MySQL URL or names an unsafe database', () => {
    expect(() => parseDatabaseUrl('not a url')).toThrow(InvalidDatabaseUrlError);
    expect(() => parseDatabaseUrl('postgres://localhost/x')).toThrow(/must start with mysql:\/\//);
    expect(() => parseDatabaseUrl('mysql://localhost/a%60b')).toThrow(/may only contain/);
  });

  it('swaps the database of a URL and quotes identifiers', () => {
    expect(withDatabase('mysql://u:p@h:1/old?connection_limit=2', 'new_db')).toBe('mysql://u:p@h:1/new_db?connection_limit=2');
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
  });
});
