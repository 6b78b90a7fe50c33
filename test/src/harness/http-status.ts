/**
 * GET a URL and answer its status, trusting `ca` (PEM) for an https:// URL:
 * fetch in a running process cannot be given a CA of the test's own making.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

export function httpStatus(url: string, ca?: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const callback = (response: import('node:http').IncomingMessage) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    };
    const request = url.startsWith('https:')
      ? httpsGet(url, { ...(ca ? { ca } : {}), timeout: timeoutMs }, callback)
      : httpGet(url, { timeout: timeoutMs }, callback);
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
