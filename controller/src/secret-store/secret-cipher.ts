/**
 * AES-256-GCM for secret values at rest: a random 12-byte nonce per value,
 * the 16-byte tag after the ciphertext, and (repo, name) as additional data,
 * so a value copied onto another secret's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKey } from './secret-key.js';

const tagBytes = 16;

export interface SealedSecret {
  nonce: Buffer;
  ciphertext: Buffer;
  keyId: string;
}

export class SecretDecryptError extends Error {
  override name = 'SecretDecryptError';
  readonly code = 'SECRET_UNREADABLE';
}

function additionalData(repo: string, name: string): Buffer {
  return Buffer.from(`${repo}\0${name}`, 'utf8');
}

export function sealSecret(key: SecretKey, repo: string, name: string, value: string): SealedSecret {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: tagBytes });
  cipher.setAAD(additionalData(repo, name));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext, keyId: key.id };
}

/** The value; SecretDecryptError (naming the secret, never its value) when the key or the bytes do not match. */
export function openSecret(key: SecretKey, repo: string, name: string, sealed: SealedSecret): string {
  if (sealed.keyId !== key.id) {
    throw new SecretDecryptError(`secret "${name}" was encrypted with another GANTRY_SECRET_KEY (key ${sealed.keyId})`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, sealed.nonce, { authTagLength: tagBytes });
    decipher.setAAD(additionalData(repo, name));
    decipher.setAuthTag(sealed.ciphertext.subarray(sealed.ciphertext.length - tagBytes));
    const body = sealed.ciphertext.subarray(0, sealed.ciphertext.length - tagBytes);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretDecryptError(`secret "${name}" cannot be decrypted: its stored bytes were changed`, {
      cause: error,
    });
  }
}
