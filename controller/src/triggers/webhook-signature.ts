/** HMAC-SHA256 webhook signatures (`X-Hub-Signature-256: sha256=<hex>`), compared in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhookBody(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `signature` (`sha256=<hex>`, or bare hex as Gitea's own header sends it) signs `body` with `secret`. */
export function isValidWebhookSignature(secret: string, body: Uint8Array, signature: string): boolean {
  const presented = signature.startsWith('sha256=') ? signature.slice('sha256='.length) : signature;
  if (!/^[0-9a-f]{64}$/i.test(presented)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(presented, 'hex'), expected);
}
