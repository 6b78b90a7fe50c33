/** Serves a Hono app over node:http, or node:https with `tls`; resolves once listening with the bound port. */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface HttpServerHandle {
  port: number;
  close(): Promise<void>;
}

/** A certificate chain and its private key, PEM. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
}

export function startHttpServer(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its variables
  app: Hono<any>,
  options: { host: string; port: number; tls?: ServerTls | undefined },
): Promise<HttpServerHandle> {
  const tls = options.tls ? { createServer: createHttpsServer, serverOptions: options.tls } : {};
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, hostname: options.host, port: options.port, ...tls },
      (info: AddressInfo) => {
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}
