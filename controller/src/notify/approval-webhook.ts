/**
 * Announces approval requests to GANTRY_APPROVAL_WEBHOOK: a POST of the
 * request's JSON (approval-request.ts), signed with HMAC-SHA256 in
 * `X-Gantry-Signature-256: sha256=<hex>` when a secret is set. Each attempt
 * has a timeout; a failed one (network error, timeout, 429 or 5xx) is retried
 * a few times with the shared jittered back-off, then given up and logged.
 * Never blocks or fails the run: `notify` is called after the commit that
 * opened the gate and returns at once.
 */
import { createHmac } from 'node:crypto';
import { type BackoffPolicy, RequestAbort, retry } from '@gantry/common';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { readApprovalRequest } from './approval-request.js';

export const signatureHeader = 'x-gantry-signature-256';

export interface ApprovalWebhookOptions {
  url: string;
  /** Signs each body when set. */
  secret?: string | undefined;
  db: Database;
  log: Logger;
  /** Base of the links in the payload (GANTRY_PUBLIC_URL); read when a request is sent. */
  publicUrl: () => string;
  /** Bound of one attempt; default 5 s. */
  timeoutMs?: number;
  /** Attempts in all; default 4. */
  maxAttempts?: number;
  /** Waits between attempts; default 0.5 s growing to 5 s, jittered. */
  backoff?: BackoffPolicy;
}

class WebhookAnswerError extends Error {
  override readonly name = 'WebhookAnswerError';
  readonly code = 'WEBHOOK_ANSWER';
  constructor(readonly status: number) {
    super(`the webhook answered ${status}`);
  }
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class ApprovalWebhook {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: ApprovalWebhookOptions) {}

  /** Sends the request of the stage that just began awaiting approval, in the background. Never throws. */
  notify(runId: string, stageId: string): void {
    if (this.stopping.signal.aborted) return;
    const work = this.deliver(runId, stageId).catch((error: unknown) => {
      this.options.log.warn({ runId, stageId, error: describe(error) }, 'approval webhook failed');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Waits for every delivery in flight (tests). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Abandons retries and deliveries in flight (shutdown). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.settle();
  }

  private async deliver(runId: string, stageId: string): Promise<void> {
    const { db, log, publicUrl } = this.options;
    const request = await readApprovalRequest(db, runId, stageId, publicUrl());
    if (!request) return;
    const body = JSON.stringify(request);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'gantry' };
    if (this.options.secret) headers[signatureHeader] = signBody(this.options.secret, body);
    const status = await retry(() => this.post(body, headers), {
      ...(this.options.backoff ?? { initialDelayMs: 500, maxDelayMs: 5_000 }),
      maxAttempts: this.options.maxAttempts ?? 4,
      signal: this.stopping.signal,
      shouldRetry: (error) => !(error instanceof WebhookAnswerError) || retryable(error.status),
      onRetry: (error, failures, delayMs) =>
        log.info(
          { runId, stage: request.stage, failures, delayMs, error: describe(error) },
          'approval webhook attempt failed; retrying',
        ),
    });
    log.info({ runId, stage: request.stage, status }, 'approval webhook delivered');
  }

  private async post(body: string, headers: Record<string, string>): Promise<number> {
    const abort = new RequestAbort(this.stopping.signal);
    abort.arm(this.options.timeoutMs ?? 5_000);
    try {
      const posting = fetch(this.options.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: abort.signal,
      });
      const response = await abort.race(posting, (late) => void late.body?.cancel().catch(() => {}));
      // The answer's body is not needed; reading it to the end frees the connection.
      await abort.race(response.arrayBuffer()).catch(() => undefined);
      if (response.status < 200 || response.status >= 300) throw new WebhookAnswerError(response.status);
      return response.status;
    } finally {
      abort.release();
    }
  }
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The error's own words, without the URL (a webhook URL often embeds a credential). */
function describe(error: unknown): string {
  if (error instanceof WebhookAnswerError) return error.message;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.name}${cause}` : 'unknown error';
}
