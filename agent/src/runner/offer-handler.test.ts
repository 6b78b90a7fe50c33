import { describe, expect, it } from 'vitest';
import { parseOffer } from './offer-handler.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));

describe('parseOffer', () => {
  it('reads a job offer', () => {
    expect(parseOffer(bytes({ jobId: 'j1', attempt: 2, runId: 'r1', extra: true }))).toEqual({
      jobId: 'j1',
      attempt: 2,
      runId: 'r1',
    });
  });

  it.each([
    ['{not json', /JSON/],
    [null, /jobId/],
    [{ attempt: 1, runId: 'r' }, /jobId/],
    [{ jobId: '', attempt: 1, runId: 'r' }, /jobId/],
    [{ jobId: 'j', attempt: 0, runId: 'r' }, /attempt 0/],
    [{ jobId: 'j', attempt: 1.5, runId: 'r' }, /attempt 1.5/],
    [{ jobId: 'j', attempt: '1', runId: 'r' }, /attempt "1"/],
    [{ jobId: 'j', attempt: 1 }, /runId/],
  ])('refuses %j', (body, error) => {
    expect(() => parseOffer(bytes(body))).toThrow(error);
  });
});
