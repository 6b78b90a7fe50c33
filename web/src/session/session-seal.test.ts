import { describe, expect, it } from 'vitest';
import { csrfMatches, csrfToken, deriveSessionKeys, openSession, type Session, sealSession } from './session-seal.js';

const keys = deriveSessionKeys('controller secret');
const session: Session = { token: 'gantry_secret', name: 'tina', roles: ['read'], nonce: 'n1', expiresAtMs: 2_000 };

describe('session seal', () => {
  it('opens what it sealed, and the sealed value does not show the token', () => {
    const sealed = sealSession(keys, session);
    expect(sealed).not.toContain('gantry_secret');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('gantry_secret');
    expect(openSession(keys, sealed, 1_000)).toEqual(session);
  });

  it.each([
    ['expired', (sealed: string) => sealed, 2_000, keys],
    [
      'altered',
      (sealed: string) => `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`,
      1_000,
      keys,
    ],
    ['sealed with another secret', (sealed: string) => sealed, 1_000, deriveSessionKeys('another secret')],
    ['garbage', () => 'not-a-session', 1_000, keys],
  ])('refuses a cookie that is %s', (_what, change, nowMs, openWith) => {
    expect(openSession(openWith, change(sealSession(keys, session)), nowMs)).toBeNull();
  });

  it('matches only the CSRF token of the same nonce', () => {
    expect(csrfMatches(keys, 'n1', csrfToken(keys, 'n1'))).toBe(true);
    expect(csrfMatches(keys, 'n1', csrfToken(keys, 'n2'))).toBe(false);
    expect(csrfMatches(keys, 'n1', undefined)).toBe(false);
  });
});
