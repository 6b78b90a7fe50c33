import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker.js';

/** Feeds `pieces` one write at a time, then flushes, as a step's output arrives. */
function masked(values: string[], pieces: string[]): string {
  const masker = new SecretMasker(values);
  const out = pieces.map((piece) => masker.push(Buffer.from(piece)).toString());
  return out.join('') + masker.flush().toString();
}

const secret = 's3cr3t-deploy-key';

describe('SecretMasker', () => {
  it('masks a value printed whole, and keeps the text around it', () => {
    expect(masked([secret], [`key=${secret} done\n`])).toBe('key=*** done\n');
  });

  it.each([1, 2, 5, secret.length - 1])('masks a value split across two writes after %i bytes', (split) => {
    expect(masked([secret], [`a ${secret.slice(0, split)}`, `${secret.slice(split)} b`])).toBe('a *** b');
  });

  it('masks a value arriving one byte per write', () => {
    expect(masked([secret], [...`<${secret}>`])).toBe('<***>');
  });

  it('masks its base64, standard and url-safe, padded or not, and as `echo | base64` encodes it', () => {
    const value = 'pa?ss>wo~rd!'; // base64 and base64url differ for it
    const standard = Buffer.from(value).toString('base64');
    const urlSafe = Buffer.from(value).toString('base64url');
    const withNewline = Buffer.from(`${value}\n`).toString('base64');
    expect(standard).not.toBe(urlSafe);
    const out = masked([value], [`${standard}\n${urlSafe}\n${withNewline}\n`]);
    expect(out).not.toContain(standard.replace(/=+$/, ''));
    expect(out).not.toContain(urlSafe);
    expect(out).not.toContain(withNewline.slice(0, 12));
  });

  it('masks each line of a multi-line secret, printed alone or together', () => {
    const key = '-----BEGIN KEY-----\nMIIBlineone\r\nMIIBlinetwo\n-----END KEY-----';
    const out = masked([key], ['first: MIIBlinetwo\n', `${key}\n`, 'then -----END KEY----- too\n']);
    expect(out).toBe('first: ***\n***\nthen *** too\n');
  });

  it('covers overlapping secrets with one mask, leaving no piece of either', () => {
    expect(masked(['abcdef12', 'ef12ghij'], ['xabcdef12ghijx'])).toBe('x***x');
  });

  it('loses no output and holds back only a possible start of a secret', () => {
    const masker = new SecretMasker([secret]);
    const text = 'hello world, nothing secret in this line at all\n';
    const released = masker.push(Buffer.from(text)).toString();
    // The longest pattern is the 17-byte value's unpadded base64 (23 characters): 22 bytes wait for the next write.
    expect(released).toBe(text.slice(0, text.length - 22));
    expect(released + masker.flush().toString()).toBe(text);
    expect(masker.flush().toString()).toBe('');
  });

  it('passes output through untouched without secrets', () => {
    const masker = new SecretMasker([]);
    expect(masker.active).toBe(false);
    expect(masker.push(Buffer.from('as is')).toString()).toBe('as is');
  });
});
