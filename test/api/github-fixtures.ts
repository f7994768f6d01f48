import { generateKeyPairSync } from 'node:crypto';
import type { GithubAppConfig } from '../../apps/api/src/config.js';
import { startGithubStandin, type GithubStandin } from '../standins/github/server.js';

/** A GitHub App identity as GitHub hands it out: numeric id, PKCS#1 PEM private key, OAuth client credentials. */
export function makeAppIdentity(): { config: GithubAppConfig; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    config: { appId: '424242', privateKey, clientId: 'Iv1.standin0client', clientSecret: 'standin-client-secret', slug: 'factoryci-test' },
    publicKey,
  };
}

export async function startStandinFor(identity: { config: GithubAppConfig; publicKey: string }): Promise<GithubStandin> {
  return startGithubStandin({
    appId: Number(identity.config.appId),
    appSlug: identity.config.slug,
    appPublicKey: identity.publicKey,
    clientId: identity.config.clientId,
    clientSecret: identity.config.clientSecret,
  });
}
