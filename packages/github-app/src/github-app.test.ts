import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGithubApp, githubOctokit } from './client.js';
import { githubApiUrlFromEnv, githubAppSettingsFromEnv, githubAppWithOAuthFromEnv, isPrivateKey } from './settings.js';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();
const oneLine = key.replace(/\n/g, '\\n');

function read<T>(reader: (env: Record<string, string>, problems: string[]) => T, env: Record<string, string>): { value: T; problems: string[] } {
  const problems: string[] = [];
  return { value: reader(env, problems), problems };
}

describe('GITHUB_API_URL', () => {
  it('defaults to api.github.com, drops trailing slashes and must be http(s)', () => {
    expect(read(githubApiUrlFromEnv, {})).toEqual({ value: 'https://api.github.com', problems: [] });
    expect(read(githubApiUrlFromEnv, { GITHUB_API_URL: ' https://ghe.example/api/v3// ' }).value).toBe('https://ghe.example/api/v3');
    expect(read(githubApiUrlFromEnv, { GITHUB_API_URL: 'ghe.example' }).problems).toEqual(['GITHUB_API_URL must be an http(s) URL']);
  });
});

describe("the App's id and key (the orchestrator's settings)", () => {
  it('are both given or neither; the key may be written on one line with \\n', () => {
    expect(read(githubAppSettingsFromEnv, {})).toEqual({ value: undefined, problems: [] });
    expect(read(githubAppSettingsFromEnv, { GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: oneLine, GITHUB_API_URL: 'http://127.0.0.1:9/' })).toEqual({
      value: { appId: '42', privateKey: key, apiUrl: 'http://127.0.0.1:9' },
      problems: [],
    });
    expect(read(githubAppSettingsFromEnv, { GITHUB_APP_ID: '42' })).toEqual({
      value: undefined,
      problems: ['the GitHub App settings GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY go together: GITHUB_APP_PRIVATE_KEY missing (set all of them or none)'],
    });
  });

  it('must be a numeric id and a private key Node can sign with', () => {
    expect(read(githubAppSettingsFromEnv, { GITHUB_APP_ID: 'app', GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----' }).problems).toEqual([
      "GITHUB_APP_ID must be the App's numeric id",
      "GITHUB_APP_PRIVATE_KEY must be the App's private key in PEM form",
    ]);
    expect(isPrivateKey(key)).toBe(true);
    expect(isPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(false);
  });
});

describe("the App with its OAuth client and slug (the API's settings)", () => {
  const all = { GITHUB_APP_ID: '7', GITHUB_APP_PRIVATE_KEY: oneLine, GITHUB_APP_CLIENT_ID: 'Iv1.x', GITHUB_APP_CLIENT_SECRET: 's', GITHUB_APP_SLUG: 'factoryci' };
  it('are all five given or none', () => {
    expect(read(githubAppWithOAuthFromEnv, {})).toEqual({ value: undefined, problems: [] });
    expect(read(githubAppWithOAuthFromEnv, all)).toEqual({
      value: { appId: '7', privateKey: key, clientId: 'Iv1.x', clientSecret: 's', slug: 'factoryci' },
      problems: [],
    });
    expect(read(githubAppWithOAuthFromEnv, { GITHUB_APP_ID: '7', GITHUB_APP_SLUG: 'factoryci' }).problems).toEqual([
      'the GitHub App settings GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_SLUG go together: GITHUB_APP_PRIVATE_KEY, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET missing (set all of them or none)',
    ]);
  });

  it("checks the slug is the App's URL name", () => {
    expect(read(githubAppWithOAuthFromEnv, { ...all, GITHUB_APP_SLUG: 'factory ci' }).problems).toEqual(["GITHUB_APP_SLUG must be the App's URL name (letters, digits, -)"]);
  });
});

describe('the App client', () => {
  it('sends every request to the configured REST base as FactoryCI', async () => {
    const seen: { url: string; agent: string | null; auth: string | null }[] = [];
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      seen.push({ url: String(url), agent: headers.get('user-agent'), auth: headers.get('authorization') });
      return new Response(JSON.stringify({ id: 7, slug: 'factoryci' }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const app = createGithubApp({ appId: '7', privateKey: key, apiUrl: 'http://ghe.example/api/v3' });
    await app.octokit.request('GET /app', { request: { fetch } });
    const octokit = new (githubOctokit('http://ghe.example/api/v3'))({ auth: 'user-token' });
    await octokit.request('GET /user', { request: { fetch } });
    expect(seen.map((entry) => entry.url)).toEqual(['http://ghe.example/api/v3/app', 'http://ghe.example/api/v3/user']);
    expect(seen.every((entry) => entry.agent?.startsWith('FactoryCI'))).toBe(true);
    expect(seen[0]?.auth).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i); // the App's JWT
    expect(seen[1]?.auth).toBe('token user-token');
  });
});
