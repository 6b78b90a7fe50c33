/**
 * The CLI's view of the Gantry API: @gantry/client's typed calls under a
 * timeout on every request (body included), with the bearer token, and API
 * error bodies and network failures turned into the errors command.ts reports.
 */
import {
  type AddRepositoryRequest,
  type AuditAction,
  artifactDownloadUrl,
  type CallResult,
  type CreateAgentTokenRequest,
  type CreateTokenRequest,
  createGantryClient,
  GantryApiError,
  type GantryClient,
  type GcRequest,
  openJobLog,
  type ProtectEnvironmentRequest,
  type TriggerRequest,
  unwrap,
} from '@gantry/client';
import { RequestAbort } from '@gantry/common';

/** The API answered with an error status (its body is `{ error: { code, message, issues? } }`). */
export { GantryApiError as ApiError } from '@gantry/client';

/** No HTTP answer at all: connection refused, DNS or TLS failure, or no answer within the timeout. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  readonly code: 'unreachable' | 'timeout';
  readonly baseUrl: string;
  readonly reason: string;

  constructor(code: 'unreachable' | 'timeout', baseUrl: string, reason: string, options?: ErrorOptions) {
    super(`cannot reach the Gantry API at ${baseUrl}: ${reason}`, options);
    this.code = code;
    this.baseUrl = baseUrl;
    this.reason = reason;
  }
}

export interface ApiClientOptions {
  /** Without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  token: string;
  /** Bound on each request, body included. */
  timeoutMs: number;
  /** Aborting it aborts the request in flight; the caller sees the signal's reason. */
  signal?: AbortSignal | undefined;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #client: GantryClient;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#client = createGantryClient({ baseUrl: options.baseUrl, token: options.token });
    this.#timeoutMs = options.timeoutMs;
    this.#signal = options.signal;
  }

  triggerRun(body: TriggerRequest, idempotencyKey?: string) {
    const headers = idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey };
    return this.#call('POST /api/runs', (signal) =>
      this.#client.POST('/api/runs', { body, params: { header: headers }, signal }),
    );
  }

  /** A page of runs, newest first; `before`: the `next` of the page before. */
  listRuns(limit?: number, before?: string) {
    const query = { ...(limit === undefined ? {} : { limit }), ...(before === undefined ? {} : { before }) };
    return this.#call('GET /api/runs', (signal) => this.#client.GET('/api/runs', { params: { query }, signal }));
  }

  /** A page of the audit trail, newest first; `before`: the `next` of the page before. */
  listAuditEvents(query: { runId?: string; actor?: string; action?: AuditAction; limit?: number; before?: number }) {
    return this.#call('GET /api/audit', (signal) => this.#client.GET('/api/audit', { params: { query }, signal }));
  }

  getRun(id: string) {
    return this.#call(`GET /api/runs/${id}`, (signal) =>
      this.#client.GET('/api/runs/{id}', { params: { path: { id } }, signal }),
    );
  }

  getRunTests(id: string, limit?: number) {
    const query = limit === undefined ? {} : { limit };
    return this.#call(`GET /api/runs/${id}/tests`, (signal) =>
      this.#client.GET('/api/runs/{id}/tests', { params: { path: { id }, query }, signal }),
    );
  }

  cancelRun(id: string) {
    return this.#call(`POST /api/runs/${id}/cancel`, (signal) =>
      this.#client.POST('/api/runs/{id}/cancel', { params: { path: { id } }, signal }),
    );
  }

  retryJob(id: string, jobId: string) {
    return this.#call(`POST /api/runs/${id}/jobs/${jobId}/retry`, (signal) =>
      this.#client.POST('/api/runs/{id}/jobs/{jobId}/retry', { params: { path: { id, jobId } }, signal }),
    );
  }

  decideStage(id: string, stage: string, decision: 'approve' | 'reject', comment?: string) {
    const body = comment === undefined ? {} : { comment };
    const params = { path: { id, stage } };
    return this.#call(`POST /api/runs/${id}/stages/${stage}/${decision}`, (signal) =>
      decision === 'approve'
        ? this.#client.POST('/api/runs/{id}/stages/{stage}/approve', { params, body, signal })
        : this.#client.POST('/api/runs/{id}/stages/{stage}/reject', { params, body, signal }),
    );
  }

  listDeployments(environment: string, limit?: number) {
    const query = limit === undefined ? {} : { limit };
    return this.#call(`GET /api/environments/${environment}/deployments`, (signal) =>
      this.#client.GET('/api/environments/{name}/deployments', {
        params: { path: { name: environment }, query },
        signal,
      }),
    );
  }

  rollBack(environment: string, runId: string) {
    return this.#call(`POST /api/environments/${environment}/rollback`, (signal) =>
      this.#client.POST('/api/environments/{name}/rollback', {
        params: { path: { name: environment } },
        body: { runId },
        signal,
      }),
    );
  }

  addRepository(body: AddRepositoryRequest) {
    return this.#call('POST /api/repositories', (signal) => this.#client.POST('/api/repositories', { body, signal }));
  }

  listRepositories() {
    return this.#call('GET /api/repositories', (signal) => this.#client.GET('/api/repositories', { signal }));
  }

  setSecret(name: string, body: { value: string; repo?: string }) {
    return this.#call(`PUT /api/secrets/${name}`, (signal) =>
      this.#client.PUT('/api/secrets/{name}', { params: { path: { name } }, body, signal }),
    );
  }

  listSecrets(repo?: string) {
    return this.#call('GET /api/secrets', (signal) =>
      this.#client.GET('/api/secrets', { params: { query: repo === undefined ? {} : { repo } }, signal }),
    );
  }

  deleteSecret(name: string, repo?: string) {
    return this.#call(`DELETE /api/secrets/${name}`, (signal) =>
      this.#client.DELETE('/api/secrets/{name}', {
        params: { path: { name }, query: repo === undefined ? {} : { repo } },
        signal,
      }),
    );
  }

  listAgents() {
    return this.#call('GET /api/agents', (signal) => this.#client.GET('/api/agents', { signal }));
  }

  drainAgent(id: string) {
    return this.#call(`POST /api/agents/${id}/drain`, (signal) =>
      this.#client.POST('/api/agents/{id}/drain', { params: { path: { id } }, signal }),
    );
  }

  revokeAgent(agent: string) {
    return this.#call(`POST /api/agents/${agent}/revoke`, (signal) =>
      this.#client.POST('/api/agents/{agent}/revoke', { params: { path: { agent } }, signal }),
    );
  }

  createAgentToken(body: CreateAgentTokenRequest) {
    return this.#call('POST /api/agent-tokens', (signal) => this.#client.POST('/api/agent-tokens', { body, signal }));
  }

  listAgentTokens() {
    return this.#call('GET /api/agent-tokens', (signal) => this.#client.GET('/api/agent-tokens', { signal }));
  }

  revokeAgentToken(id: string) {
    return this.#call(`DELETE /api/agent-tokens/${id}`, (signal) =>
      this.#client.DELETE('/api/agent-tokens/{id}', { params: { path: { id } }, signal }),
    );
  }

  createToken(body: CreateTokenRequest) {
    return this.#call('POST /api/tokens', (signal) => this.#client.POST('/api/tokens', { body, signal }));
  }

  listTokens() {
    return this.#call('GET /api/tokens', (signal) => this.#client.GET('/api/tokens', { signal }));
  }

  revokeToken(name: string) {
    return this.#call(`DELETE /api/tokens/${name}`, (signal) =>
      this.#client.DELETE('/api/tokens/{name}', { params: { path: { name } }, signal }),
    );
  }

  protectEnvironment(name: string, body: ProtectEnvironmentRequest) {
    return this.#call(`PUT /api/environments/${name}/protection`, (signal) =>
      this.#client.PUT('/api/environments/{name}/protection', { params: { path: { name } }, body, signal }),
    );
  }

  listEnvironments() {
    return this.#call('GET /api/environments', (signal) => this.#client.GET('/api/environments', { signal }));
  }

  listArtifacts(runId: string) {
    return this.#call(`GET /api/runs/${runId}/artifacts`, (signal) =>
      this.#client.GET('/api/runs/{id}/artifacts', { params: { path: { id: runId } }, signal }),
    );
  }

  /** The short-lived download URL of one artifact (the redirect's target, not followed). */
  artifactDownloadUrl(runId: string, artifactId: string) {
    return this.#send(`GET /api/runs/${runId}/artifacts/${artifactId}`, (signal) =>
      artifactDownloadUrl(this.#client, { runId, artifactId, signal }),
    );
  }

  listCaches(query: { repo?: string; limit?: number }) {
    return this.#call('GET /api/caches', (signal) => this.#client.GET('/api/caches', { params: { query }, signal }));
  }

  clearCaches(query: { repo?: string }) {
    return this.#call('DELETE /api/caches', (signal) =>
      this.#client.DELETE('/api/caches', { params: { query }, signal }),
    );
  }

  collectGarbage(body: GcRequest) {
    return this.#call('POST /api/gc', (signal) => this.#client.POST('/api/gc', { body, signal }));
  }

  whoami() {
    return this.#call('GET /api/me', (signal) => this.#client.GET('/api/me', { signal }));
  }

  /**
   * Hands a job attempt's log (the latest when `attempt` is left out) to
   * `write` chunk by chunk as it arrives, never holding it whole; `write`
   * resolving means the next chunk may come. With `follow` the answer stays
   * open until the attempt ends. The request timeout bounds the wait for the
   * answer and, unless `idleTimeout` is off (a followed log may be silent for
   * long), every gap between chunks; nothing bounds the whole transfer.
   */
  async streamJobLog(
    log: { runId: string; jobId: string; attempt?: number | undefined; follow?: boolean },
    write: (chunk: Uint8Array) => Promise<void>,
    options: { idleTimeout: boolean },
  ): Promise<void> {
    const what = `GET /api/runs/${log.runId}/jobs/${log.jobId}/log`;
    const abort = new RequestAbort(this.#signal);
    const failed = (error: unknown, when: string) => {
      if (error instanceof GantryApiError) return error;
      if (this.#signal?.aborted) return this.#signal.reason;
      if (abort.timedOut) {
        return new ApiUnreachableError(
          'timeout',
          this.baseUrl,
          `no data from ${what} within ${this.#timeoutMs} ms ${when}`,
          {
            cause: error,
          },
        );
      }
      return new ApiUnreachableError('unreachable', this.baseUrl, describeNetworkError(error), { cause: error });
    };
    abort.arm(this.#timeoutMs);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      let body: ReadableStream<Uint8Array>;
      try {
        const opening = openJobLog(this.#client, { ...log, signal: abort.signal });
        body = await abort.race(opening, (late) => void late.cancel().catch(() => {}));
      } catch (error) {
        throw failed(error, 'for the answer');
      }
      reader = body.getReader();
      for (;;) {
        if (options.idleTimeout) abort.arm(this.#timeoutMs);
        else abort.disarm();
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await abort.race(reader.read());
        } catch (error) {
          throw failed(error, 'between two parts of the answer');
        }
        if (next.done) {
          reader = undefined;
          return;
        }
        abort.disarm();
        await write(next.value);
      }
    } finally {
      abort.release();
      // Given up early: the answer's rest is not wanted, and its connection goes.
      reader?.cancel().catch(() => {});
    }
  }

  /** One typed call; its data, or ApiError for an error status. */
  #call<T>(what: string, call: (signal: AbortSignal) => Promise<CallResult<T>>): Promise<T> {
    return this.#send(what, async (signal) => unwrap(await call(signal), what));
  }

  /** Runs `send` under the timeout and the caller's signal; network failures become ApiUnreachableError. */
  async #send<T>(what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new RequestAbort(this.#signal);
    abort.arm(this.#timeoutMs);
    try {
      return await abort.race(send(abort.signal));
    } catch (error) {
      if (error instanceof GantryApiError) throw error;
      if (this.#signal?.aborted) throw this.#signal.reason;
      if (abort.timedOut) {
        throw new ApiUnreachableError('timeout', this.baseUrl, `no answer to ${what} within ${this.#timeoutMs} ms`, {
          cause: error,
        });
      }
      if (error instanceof SyntaxError) {
        throw new GantryApiError(0, 'INVALID_RESPONSE', `${what} did not answer JSON`, [], { cause: error });
      }
      throw new ApiUnreachableError('unreachable', this.baseUrl, describeNetworkError(error), { cause: error });
    } finally {
      abort.release();
    }
  }
}

/** undici hides the useful part (`connect ECONNREFUSED 127.0.0.1:8080`) in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    if (cause.message !== '') return cause.message;
    if (code) return code;
  }
  return error.message;
}
