/**
 * A thin JSON-over-HTTP client for the Gantry API: bearer token, a timeout on
 * every request, and API error bodies turned into typed errors.
 */

/** The API answered with an error status (its body is `{ error: { code, message, issues? } }`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly issues: readonly unknown[];

  constructor(status: number, code: string, message: string, issues: readonly unknown[] = [], options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

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

interface RawResponse {
  status: number;
  statusText: string;
  body: string;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
    this.#signal = options.signal;
  }

  async getJson<T>(path: string): Promise<T> {
    return parseJson<T>('GET', path, await this.#send('GET', path));
  }

  async postJson<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return parseJson<T>('POST', path, await this.#send('POST', path, body, headers));
  }

  async deleteJson<T>(path: string): Promise<T> {
    return parseJson<T>('DELETE', path, await this.#send('DELETE', path));
  }

  /**
   * GETs `path` and hands the body to `write` chunk by chunk as it arrives,
   * never holding it whole; `write` resolving means the next chunk may come.
   * The request timeout bounds the wait for the answer and, unless
   * `idleTimeout` is off (a followed log may be silent for long), every gap
   * between chunks; nothing bounds the whole transfer.
   */
  async streamBody(
    path: string,
    write: (chunk: Uint8Array) => Promise<void>,
    options: { idleTimeout: boolean },
  ): Promise<void> {
    const timer = new AbortController();
    let timerHandle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timerHandle);
      timerHandle = setTimeout(() => timer.abort(), this.#timeoutMs);
    };
    const signal = this.#signal ? AbortSignal.any([this.#signal, timer.signal]) : timer.signal;
    const failed = (error: unknown, what: string) => {
      if (this.#signal?.aborted) return this.#signal.reason;
      if (timer.signal.aborted) {
        return new ApiUnreachableError(
          'timeout',
          this.baseUrl,
          `no data from GET ${path} within ${this.#timeoutMs} ms ${what}`,
          {
            cause: error,
          },
        );
      }
      return new ApiUnreachableError('unreachable', this.baseUrl, describeNetworkError(error), { cause: error });
    };
    arm();
    try {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          headers: { authorization: `Bearer ${this.#token}`, accept: 'text/plain, application/json' },
          signal,
        });
      } catch (error) {
        throw failed(error, 'for the answer');
      }
      if (response.status < 200 || response.status > 299) {
        const body = await response.text().catch(() => '');
        throw toApiError('GET', path, { status: response.status, statusText: response.statusText, body });
      }
      if (!response.body) return;
      const reader = response.body.getReader();
      for (;;) {
        if (options.idleTimeout) arm();
        else clearTimeout(timerHandle);
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          throw failed(error, 'between two parts of the answer');
        }
        if (next.done) return;
        clearTimeout(timerHandle);
        await write(next.value);
      }
    } finally {
      clearTimeout(timerHandle);
    }
  }

  async #send(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<RawResponse> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#signal ? AbortSignal.any([this.#signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json, text/plain',
      ...extraHeaders,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let raw: RawResponse;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      raw = { status: response.status, statusText: response.statusText, body: await response.text() };
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      if (timeout.aborted) {
        throw new ApiUnreachableError(
          'timeout',
          this.baseUrl,
          `no answer to ${method} ${path} within ${this.#timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw new ApiUnreachableError('unreachable', this.baseUrl, describeNetworkError(error), { cause: error });
    }
    if (raw.status < 200 || raw.status > 299) throw toApiError(method, path, raw);
    return raw;
  }
}

function parseJson<T>(method: string, path: string, raw: RawResponse): T {
  try {
    return JSON.parse(raw.body) as T;
  } catch (error) {
    throw new ApiError(raw.status, 'invalid_response', `${method} ${path} did not answer JSON`, [], { cause: error });
  }
}

function toApiError(method: string, path: string, raw: RawResponse): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.body);
  } catch {
    // Not the API's error format (a proxy page, plain text); fall back below.
  }
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
  if (error && typeof error.message === 'string') {
    const code = typeof error.code === 'string' ? error.code : 'http_error';
    const issues = Array.isArray(error.issues) ? error.issues : [];
    return new ApiError(raw.status, code, error.message, issues);
  }
  const text = raw.body.trim();
  const readable = text !== '' && text.length <= 200 && !text.startsWith('<') && !text.includes('\n');
  return new ApiError(raw.status, 'http_error', readable ? text : `${method} ${path}: ${raw.statusText || 'failed'}`);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
