import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption of secrets at rest (webhook secrets) with AES-256-GCM.
 * Stored form: `v1:<iv base64>:<auth tag base64>:<ciphertext base64>` — versioned so the scheme can change.
 */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

/** A stored secret could not be decrypted (wrong FACTORY_ENCRYPTION_KEY or damaged value). */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

const VERSION = 'v1';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(stored) {
      const [version, iv, tag, data] = stored.split(':');
      if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) {
        throw new SecretDecryptionError('unknown format of stored secret');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptionError('stored secret does not decrypt with FACTORY_ENCRYPTION_KEY');
      }
    },
  };
}

/** A new webhook secret: 32 random bytes, hex (what GitHub's docs suggest: high entropy, printable). */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}
