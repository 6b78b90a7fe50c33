import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../store/database.js';
import { openSecret, sealSecret } from './secret-cipher.js';
import { parseSecretKey } from './secret-key.js';
import { SecretVault } from './secret-vault.js';

const key = parseSecretKey(randomBytes(32).toString('hex'))!;

describe('secret encryption', () => {
  it('round-trips a value and never stores it in the clear', () => {
    const sealed = sealSecret(key, '', 'DEPLOY_KEY', 'hunter2-the-value');
    expect(sealed.ciphertext.includes(Buffer.from('hunter2'))).toBe(false);
    expect(openSecret(key, '', 'DEPLOY_KEY', sealed)).toBe('hunter2-the-value');
  });

  it('refuses a value moved onto another secret, a changed byte and another key, naming the secret only', () => {
    const sealed = sealSecret(key, '/srv/app', 'DEPLOY_KEY', 'hunter2-the-value');
    expect(() => openSecret(key, '/srv/app', 'OTHER', sealed)).toThrow(/secret "OTHER" cannot be decrypted/);
    const flipped = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    flipped.ciphertext[0] = (flipped.ciphertext[0] ?? 0) ^ 1;
    expect(() => openSecret(key, '/srv/app', 'DEPLOY_KEY', flipped)).toThrow(/cannot be decrypted/);
    const other = parseSecretKey(randomBytes(32).toString('base64'))!;
    expect(() => openSecret(other, '/srv/app', 'DEPLOY_KEY', sealed)).toThrow(/another GANTRY_SECRET_KEY/);
  });

  it.each([
    ['hex', randomBytes(32).toString('hex'), true],
    ['base64', randomBytes(32).toString('base64'), true],
    ['url-safe base64', randomBytes(32).toString('base64url'), true],
    ['16 bytes', randomBytes(16).toString('hex'), false],
    ['a passphrase', 'correct horse battery staple', false],
  ])('reads a key given as %s: %s', (_what, text, ok) => {
    expect(parseSecretKey(text) !== undefined).toBe(ok);
  });
});

describe('a controller without GANTRY_SECRET_KEY', () => {
  const vault = new SecretVault(undefined);
  const noDatabase = {} as Queryable;

  it('refuses to store a secret, saying why', async () => {
    await expect(
      vault.set(noDatabase, { repo: '', name: 'DEPLOY_KEY', value: 'hunter2-the-value', updatedBy: 'admin' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('no GANTRY_SECRET_KEY') });
  });

  it('fails a job that names secrets, and lets one that names none run', async () => {
    expect(await vault.grantedTo(noDatabase, '/srv/app', [])).toEqual({ ok: true, values: {} });
    expect(await vault.grantedTo(noDatabase, '/srv/app', ['DEPLOY_KEY'])).toEqual({
      ok: false,
      reason: expect.stringContaining('no GANTRY_SECRET_KEY'),
    });
  });
});
