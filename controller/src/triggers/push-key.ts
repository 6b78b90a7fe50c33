/**
 * The `Idempotency-Key` of a push: the same on every path a push is reported
 * by (the post-receive hook computes it in shell the same way), so one push
 * delivered twice makes one run.
 */
import { createHash } from 'node:crypto';

export function pushIdempotencyKey(repo: string, ref: string, before: string, after: string): string {
  return `gantry-push-${createHash('sha256').update(`${repo}\n${ref}\n${before}\n${after}`).digest('hex')}`;
}
