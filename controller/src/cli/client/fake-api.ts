/**
 * Test support (not used by the CLI): a scripted Gantry API on 127.0.0.1:0 and
 * an in-memory CliIo. Lives outside `*.test.ts` so several test files share it.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from './io.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/api/runs?limit=5`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `hang` never answers (to exercise timeouts); `respond` writes the answer itself (streaming). */
export type FakeAnswer =
  | { status?: number; json?: unknown; text?: string }
  | { hang: true }
  | { respond: (res: ServerResponse) => void };
export type FakeRoute = FakeAnswer | ((request: RecordedRequest) => FakeAnswer);

export interface FakeApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Routes are keyed `"METHOD /path?query"`; anything else answers 404 in the API's error format. */
export async function startFakeApi(routes: Record<string, FakeRoute>): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const route = routes[`${request.method} ${request.url}`];
      const answer: FakeAnswer =
        route === undefined
          ? {
              status: 404,
              json: { error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } },
            }
          : typeof route === 'function'
            ? route(request)
            : route;
      if ('hang' in answer) return;
      if ('respond' in answer) return answer.respond(res);
      if (answer.text !== undefined) {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(answer.text);
      } else {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.json ?? {}));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Answers each request with the next answer; the last one repeats. */
export function inSequence(...answers: FakeAnswer[]): (request: RecordedRequest) => FakeAnswer {
  let next = 0;
  return () => {
    const answer = answers[Math.min(next, answers.length - 1)];
    next += 1;
    if (answer === undefined) throw new Error('inSequence needs at least one answer');
    return answer;
  };
}

export interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function captureIo(env: Record<string, string | undefined>, signal?: AbortSignal): CapturedIo {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  };
  if (signal) io.signal = signal;
  return { io, stdout: () => stdout, stderr: () => stderr };
}
