/**
 * The session cookie's contents, sealed with AES-256-GCM: the browser holds
 * the API token only encrypted and authenticated, so it can neither read nor
 * alter it, and a cookie past its expiry or sealed with another key opens to
 * nothing. The keys come from the controller's secret by HKDF, so every
 * controller sharing that secret opens the same cookies and a restart signs
 * no one out; changing the secret signs everyone out.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a signed-in browser carries (sealed). */
export interface Session {
  /** The API token the pages call the API with. */
  token: string;
  /** The token's identity, shown in the header. */
  name: string;
  roles: string[];
  /** Random per sign-in; the CSRF token is derived from it. */
  nonce: string;
  expiresAtMs: number;
}

export interface SessionKeys {
  seal: Buffer;
  csrf: Buffer;
}

export function deriveSessionKeys(secret: string): SessionKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'gantry-web', info, 32));
  return { seal: derive('session cookie'), csrf: derive('csrf token') };
}

const ivBytes = 12;
const tagBytes = 16;
/** Far larger than a sealed session (token ≤ 512 characters); anything longer is not ours. */
export const maxSealedChars = 4096;

export function sealSession(keys: SessionKeys, session: Session): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The session in a cookie value, or null when it is malformed, forged, sealed with another key or expired. */
export function openSession(keys: SessionKeys, sealed: string, nowMs: number): Session | null {
  if (sealed.length > maxSealedChars) return null;
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= ivBytes + tagBytes) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, bytes.subarray(0, ivBytes));
    decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
    const text = Buffer.concat([decipher.update(bytes.subarray(ivBytes, bytes.length - tagBytes)), decipher.final()]);
    const session = JSON.parse(text.toString('utf8')) as Session;
    return session.expiresAtMs > nowMs ? session : null;
  } catch {
    return null;
  }
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** The CSRF token of a nonce (a session's, or a sign-in form's); forms send it back in `_csrf`. */
export function csrfToken(keys: SessionKeys, nonce: string): string {
  return createHmac('sha256', keys.csrf).update(nonce).digest('base64url');
}

export function csrfMatches(keys: SessionKeys, nonce: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length > 100) return false;
  const expected = Buffer.from(csrfToken(keys, nonce));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
