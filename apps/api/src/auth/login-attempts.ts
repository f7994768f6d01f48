/**
 * Failed sign-ins per login and client address, in a fixed window held in memory: past `maxFailures` within
 * `windowMs`, further attempts are refused until the window ends. At most `maxKeys` keys are held (the oldest go
 * first), so a flood of made-up logins cannot grow it without bound. One process's view: behind several API replicas
 * each counts on its own.
 */
export interface LoginAttemptSettings {
  maxFailures: number;
  windowMs: number;
  maxKeys: number;
}

export const DEFAULT_LOGIN_ATTEMPTS: LoginAttemptSettings = { maxFailures: 5, windowMs: 15 * 60_000, maxKeys: 10_000 };

export interface LoginAttempts {
  /** Milliseconds until `key` may try again, or 0 when it may now. */
  retryAfterMs(key: string, now?: number): number;
  failed(key: string, now?: number): void;
  succeeded(key: string): void;
}

export function loginAttemptKey(login: string, ip: string): string {
  return `${login.toLowerCase()}\u0000${ip}`;
}

export function createLoginAttempts(settings: LoginAttemptSettings = DEFAULT_LOGIN_ATTEMPTS): LoginAttempts {
  const windows = new Map<string, { since: number; failures: number }>();
  const current = (key: string, now: number) => {
    const window = windows.get(key);
    if (window && now - window.since >= settings.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  return {
    retryAfterMs(key, now = Date.now()) {
      const window = current(key, now);
      return window && window.failures >= settings.maxFailures ? window.since + settings.windowMs - now : 0;
    },
    failed(key, now = Date.now()) {
      const window = current(key, now);
      if (window) {
        window.failures += 1;
        return;
      }
      if (windows.size >= settings.maxKeys) windows.delete(windows.keys().next().value as string);
      windows.set(key, { since: now, failures: 1 });
    },
    succeeded(key) {
      windows.delete(key);
    },
  };
}
