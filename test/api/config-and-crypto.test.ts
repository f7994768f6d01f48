import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../apps/api/src/config.js';
import { createSecretBox, generateWebhookSecret, SecretDecryptionError } from '../../apps/api/src/secret-box.js';
import { findSigningSecret, signPayload } from '../../apps/api/src/webhooks/signature.js';
import { makeAppIdentity } from './github-fixtures.js';

const valid = {
  DATABASE_URL: 'mysql://root@127.0.0.1:33306/factory',
  REDIS_URL: 'redis://127.0.0.1:63790',
  FACTORY_ADMIN_TOKEN: 'a'.repeat(32),
  FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('accepts a minimal environment with defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(8080);
    expect(config.encryptionKey).toHaveLength(32);
    expect(config.githubApp).toBeNull();
    expect(config.githubApiUrl).toBe('https://api.github.com');
    expect(config.githubUrl).toBe('https://github.com');
  });

  it('reports every problem at once, one line each', () => {
    const found = problems({ DATABASE_URL: 'postgres://x', PORT: '99999', FACTORY_ADMIN_TOKEN: 'short', FACTORY_ENCRYPTION_KEY: 'abc' });
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(/DATABASE_URL must be a mysql:\/\//);
    expect(found.join('\n')).toMatch(/REDIS_URL is required/);
    expect(found.join('\n')).toMatch(/PORT must be a number/);
    expect(found.join('\n')).toMatch(/FACTORY_ADMIN_TOKEN must be at least 24/);
    expect(found.join('\n')).toMatch(/FACTORY_ENCRYPTION_KEY must be 32 bytes/);
    for (const line of found) expect(line).not.toContain('\n');
  });

  it('accepts the key as base64 too', () => {
    expect(loadConfig({ ...valid, FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('base64') }).encryptionKey).toHaveLength(32);
  });

  it('takes the GitHub App settings as a group and checks the private key', () => {
    expect(problems({ ...valid, GITHUB_APP_ID: '1' })[0]).toMatch(/GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET, GITHUB_APP_SLUG missing/);
    const { config: app } = makeAppIdentity();
    const group = { GITHUB_APP_ID: app.appId, GITHUB_APP_CLIENT_ID: app.clientId, GITHUB_APP_CLIENT_SECRET: app.clientSecret, GITHUB_APP_SLUG: app.slug };
    expect(problems({ ...valid, ...group, GITHUB_APP_PRIVATE_KEY: 'nope' })).toEqual(["GITHUB_APP_PRIVATE_KEY must be the App's private key in PEM form"]);
    // A PEM given on one line with literal \n (as in .env files) works.
    const config = loadConfig({ ...valid, ...group, GITHUB_APP_PRIVATE_KEY: app.privateKey.replace(/\n/g, '\\n'), GITHUB_APP_WEBHOOK_SECRET: 'w' });
    expect(config.githubApp?.privateKey).toBe(app.privateKey);
    expect(config.githubAppWebhookSecret).toBe('w');
  });
});

describe('secret box (AES-256-GCM)', () => {
  it('round-trips and never stores the plain text', () => {
    const box = createSecretBox(randomBytes(32));
    const secret = generateWebhookSecret();
    const stored = box.encrypt(secret);
    expect(stored).not.toContain(secret);
    expect(stored).not.toBe(box.encrypt(secret)); // fresh IV every time
    expect(box.decrypt(stored)).toBe(secret);
  });

  it('refuses a value encrypted with another key or tampered with', () => {
    const stored = createSecretBox(randomBytes(32)).encrypt('x');
    expect(() => createSecretBox(randomBytes(32)).decrypt(stored)).toThrow(SecretDecryptionError);
    expect(() => createSecretBox(randomBytes(32)).decrypt('garbage')).toThrow(SecretDecryptionError);
  });
});

describe('X-Hub-Signature-256', () => {
  const body = Buffer.from('{"zen":"Keep it logically awesome."}');
  // The example from GitHub's "Validating webhook deliveries" documentation.
  it('matches GitHub\'s documented test vector', () => {
    expect(signPayload("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('finds which candidate signed the body', () => {
    const candidates = [{ secret: 'one', id: 1 }, { secret: 'two', id: 2 }];
    expect(findSigningSecret(body, signPayload('two', body), candidates)?.id).toBe(2);
    expect(findSigningSecret(body, signPayload('three', body), candidates)).toBeNull();
    expect(findSigningSecret(body, undefined, candidates)).toBeNull();
    expect(findSigningSecret(body, 'sha1=abc', candidates)).toBeNull();
    expect(findSigningSecret(body, 'sha256=zz', candidates)).toBeNull();
    expect(findSigningSecret(Buffer.from(body.toString() + ' '), signPayload('one', body), candidates)).toBeNull();
  });
});
