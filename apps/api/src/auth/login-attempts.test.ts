import { describe, expect, it } from 'vitest';
import { createLoginAttempts, loginAttemptKey } from './login-attempts.js';

const settings = { maxFailures: 3, windowMs: 1000, maxKeys: 2 };

describe('login attempts', () => {
  it('refuses after maxFailures within the window, until the window ends', () => {
    const attempts = createLoginAttempts(settings);
    const key = loginAttemptKey('ada', '10.0.0.1');
    for (const at of [0, 100, 200]) {
      expect(attempts.retryAfterMs(key, at)).toBe(0);
      attempts.failed(key, at);
    }
    expect(attempts.retryAfterMs(key, 300)).toBe(700);
    expect(attempts.retryAfterMs(key, 999)).toBe(1);
    expect(attempts.retryAfterMs(key, 1000)).toBe(0);
  });

  it('counts per login and address; a success forgets the failures', () => {
    const attempts = createLoginAttempts(settings);
    for (let i = 0; i < 3; i++) attempts.failed(loginAttemptKey('ada', '10.0.0.1'), 0);
    expect(attempts.retryAfterMs(loginAttemptKey('ADA', '10.0.0.1'), 1)).toBeGreaterThan(0);
    expect(attempts.retryAfterMs(loginAttemptKey('ada', '10.0.0.2'), 1)).toBe(0);
    expect(attempts.retryAfterMs(loginAttemptKey('bob', '10.0.0.1'), 1)).toBe(0);
    attempts.succeeded(loginAttemptKey('ada', '10.0.0.1'));
    expect(attempts.retryAfterMs(loginAttemptKey('ada', '10.0.0.1'), 1)).toBe(0);
  });

  it('holds at most maxKeys keys: the oldest goes', () => {
    const attempts = createLoginAttempts(settings);
    for (const login of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) attempts.failed(loginAttemptKey(login, 'ip'), 0);
    expect(attempts.retryAfterMs(loginAttemptKey('a', 'ip'), 1)).toBe(0);
    expect(attempts.retryAfterMs(loginAttemptKey('b', 'ip'), 1)).toBeGreaterThan(0);
    expect(attempts.retryAfterMs(loginAttemptKey('c', 'ip'), 1)).toBeGreaterThan(0);
  });
});
