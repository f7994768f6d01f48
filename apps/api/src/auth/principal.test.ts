import { describe, expect, it } from 'vitest';
import { actorOf, changesState, credentialOf, isAdministrator, type Principal } from './principal.js';

describe('credentialOf(authorization, session cookie)', () => {
  it.each([
    [undefined, undefined, { kind: 'none' }],
    [undefined, '', { kind: 'none' }],
    [undefined, 'abc', { kind: 'session', token: 'abc' }],
    ['Bearer admin-token', undefined, { kind: 'bearer', token: 'admin-token' }],
    ['bearer  admin-token ', undefined, { kind: 'bearer', token: 'admin-token' }],
    ['Bearer fci_abc', undefined, { kind: 'access_token', token: 'fci_abc' }],
    // the header wins over the cookie: a bearer request is never a cookie request (no CSRF needed, none given)
    ['Bearer fci_abc', 'session', { kind: 'access_token', token: 'fci_abc' }],
    ['Basic dXNlcjpwdw==', 'session', { kind: 'malformed', message: 'the Authorization header must be "Bearer <token>"' }],
    ['Bearer', undefined, { kind: 'malformed', message: 'the Authorization header must be "Bearer <token>"' }],
    ['Bearer a b', undefined, { kind: 'malformed', message: 'the Authorization header must be "Bearer <token>"' }],
  ])('%j, %j', (authorization, cookie, expected) => {
    expect(credentialOf(authorization, cookie)).toEqual(expected);
  });
});

const user = { id: 'u1', login: 'ada', name: null, admin: false, githubLogin: null };

describe('actorOf and isAdministrator', () => {
  it.each([
    [{ kind: 'admin', via: 'admin_token' }, 'admin', true],
    [{ kind: 'user', via: 'session', user, sessionId: 's' }, 'user:ada', false],
    [{ kind: 'user', via: 'token', user: { ...user, admin: true }, tokenId: 't' }, 'user:ada', true],
  ] satisfies [Principal, string, boolean][])('%j', (principal, actor, administrator) => {
    expect(actorOf(principal)).toBe(actor);
    expect(isAdministrator(principal)).toBe(administrator);
  });
});

describe('changesState', () => {
  it.each([
    ['POST', true],
    ['PUT', true],
    ['PATCH', true],
    ['DELETE', true],
    ['GET', false],
    ['HEAD', false],
    ['OPTIONS', false],
  ])('%s → %s', (method, expected) => {
    expect(changesState(method)).toBe(expected);
  });
});
