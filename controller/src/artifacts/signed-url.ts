/**
 * The disk store's presigned URLs: `…/objects/<key>?method=PUT&expires=<unix s>&signature=<hex>`,
 * where the signature is HMAC-SHA256 over method, key and expiry with a
 * secret only the controller holds. A URL is good for one key and one method
 * until it expires; anything else is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedMethod = 'GET' | 'PUT';

/** Why a request on an object URL is refused: 401 when it carries no valid signature, 403 when it is expired or for another method. */
export type SignatureVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

export function signObjectUrl(
  secret: Buffer,
  baseUrl: string,
  method: SignedMethod,
  key: string,
  expiresAtSeconds: number,
): string {
  const signature = signatureOf(secret, method, key, expiresAtSeconds);
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${baseUrl}/objects/${path}?method=${method}&expires=${expiresAtSeconds}&signature=${signature}`;
}

/** Checks a request for `key` made with `method` (HEAD counts as GET) against its query parameters. */
export function verifyObjectUrl(
  secret: Buffer,
  method: string,
  key: string,
  query: { method?: string; expires?: string; signature?: string },
  nowSeconds: number,
): SignatureVerdict {
  const { method: signedMethod, expires, signature } = query;
  if (!signedMethod || !expires || !signature || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, status: 401, message: 'object URL is not signed (method, expires and signature are required)' };
  }
  if (signedMethod !== 'GET' && signedMethod !== 'PUT') {
    return { ok: false, status: 401, message: `object URL signed for unknown method "${signedMethod}"` };
  }
  const expected = Buffer.from(signatureOf(secret, signedMethod, key, Number(expires)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { ok: false, status: 403, message: 'object URL signature does not match' };
  }
  const requested = method === 'HEAD' ? 'GET' : method;
  if (requested !== signedMethod) {
    return { ok: false, status: 403, message: `object URL is signed for ${signedMethod}, not ${method}` };
  }
  if (Number(expires) < nowSeconds) return { ok: false, status: 403, message: 'object URL has expired' };
  return { ok: true };
}

function signatureOf(secret: Buffer, method: SignedMethod, key: string, expiresAtSeconds: number): string {
  return createHmac('sha256', secret).update(`${method}\n${key}\n${expiresAtSeconds}`).digest('hex');
}
