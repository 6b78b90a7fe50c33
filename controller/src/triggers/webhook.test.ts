import { describe, expect, it } from 'vitest';
import { pushIdempotencyKey } from './push-key.js';
import { readPushPayload } from './webhook-payload.js';
import { isValidWebhookSignature, signWebhookBody } from './webhook-signature.js';

const body = new TextEncoder().encode('{"ref":"refs/heads/main"}');

describe('webhook signatures', () => {
  it('accepts the HMAC-SHA256 of the body with the secret, as sha256=hex or bare hex', () => {
    const signature = signWebhookBody('s3cret-s3cret-s3cret', body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(isValidWebhookSignature('s3cret-s3cret-s3cret', body, signature)).toBe(true);
    expect(isValidWebhookSignature('s3cret-s3cret-s3cret', body, signature.slice('sha256='.length))).toBe(true);
  });

  it.each([
    ['another secret', signWebhookBody('other-secret-other', body)],
    ['another body', signWebhookBody('s3cret-s3cret-s3cret', new TextEncoder().encode('{}'))],
    ['not hex', 'sha256=zz'],
    ['empty', ''],
  ])('refuses a signature made with %s', (_what, signature) => {
    expect(isValidWebhookSignature('s3cret-s3cret-s3cret', body, signature)).toBe(false);
  });
});

describe('push payloads', () => {
  const sha = (digit: string) => digit.repeat(40);

  it('reads ref, before, after and every name of the repository', () => {
    const read = readPushPayload({
      ref: 'refs/tags/v1',
      before: sha('0'),
      after: sha('a'),
      repository: { clone_url: 'https://git.example/o/r.git', html_url: 'https://git.example/o/r' },
    });
    expect(read).toEqual({
      push: {
        ref: 'refs/tags/v1',
        before: sha('0'),
        after: sha('a'),
        repositoryUrls: ['https://git.example/o/r.git', 'https://git.example/o/r'],
      },
    });
  });

  it('says what is wrong with a body that is not a push', () => {
    expect(readPushPayload({ zen: 'ping' })).toMatchObject({
      problem: expect.stringContaining('not a push payload: ref'),
    });
  });

  it('derives one idempotency key per repository, ref, before and after', () => {
    const key = pushIdempotencyKey('/srv/app.git', 'refs/heads/main', sha('0'), sha('a'));
    expect(key).toMatch(/^gantry-push-[0-9a-f]{64}$/);
    expect(pushIdempotencyKey('/srv/app.git', 'refs/heads/main', sha('0'), sha('a'))).toBe(key);
    expect(pushIdempotencyKey('/srv/app.git', 'refs/heads/main', sha('0'), sha('b'))).not.toBe(key);
  });
});
