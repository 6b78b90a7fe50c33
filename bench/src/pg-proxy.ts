/**
 * A counting TCP proxy in front of PostgreSQL: forwards bytes both ways and
 * parses the wire protocol to count round trips and tally the SQL executed
 * (Query texts, and the parsed text of each Bind). A request is a simple
 * Query or an extended-protocol Sync, answered by one ReadyForQuery; a round
 * trip is a request sent while no earlier request of its connection awaits
 * its answer, so requests pipelined behind one another (a transaction's BEGIN
 * sent with its first statement) make one round trip. Used only for the
 * db-round-trips diagnostic, never in front of a timed figure.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface ProxyCounts {
  roundTrips: number;
  transactions: number;
  statements: Map<string, number>;
}

export interface PgProxy {
  readonly port: number;
  /** The `postgres://` URL `url` would be through this proxy. */
  proxied(url: string): string;
  counts(): ProxyCounts;
  reset(): void;
  close(): Promise<void>;
}

export async function startPgProxy(upstreamUrl: string): Promise<PgProxy> {
  const upstream = new URL(upstreamUrl);
  let counts: ProxyCounts = { roundTrips: 0, transactions: 0, statements: new Map() };
  const sockets = new Set<Socket>();

  const tally = (sql: string) => {
    const text = sql.replace(/\s+/g, ' ').trim();
    const key = text.length > 110 ? `${text.slice(0, 110)}…` : text;
    counts.statements.set(key, (counts.statements.get(key) ?? 0) + 1);
    if (/^begin\b/i.test(text)) counts.transactions++;
  };

  const server: Server = createServer((client) => {
    const server = tcpConnect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(client);
    sockets.add(server);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    /** Requests sent and not answered yet (ReadyForQuery ends each). */
    let awaited = 0;
    const request = () => {
      if (awaited === 0) counts.roundTrips++;
      awaited++;
    };
    server.on(
      'data',
      readMessages((type) => {
        if (type === 'Z') awaited = Math.max(0, awaited - 1);
      }),
    );
    /** Statement texts this connection parsed, by statement name ('' = the unnamed one). */
    const parsed = new Map<string, string>();
    client.pipe(server);
    server.pipe(client);
    client.on('data', (data: Buffer) => {
      buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 4) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          // SSLRequest / GSSENCRequest are followed by another untyped startup message.
          if (code !== 80877103 && code !== 80877104) started = true;
          continue;
        }
        if (buffer.length < 5) break;
        const type = String.fromCharCode(buffer[0] as number);
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) break;
        const body = buffer.subarray(5, 1 + length);
        if (type === 'Q') {
          request();
          tally(body.subarray(0, body.indexOf(0)).toString('utf8'));
        } else if (type === 'P') {
          // A named statement is parsed once per connection and bound many times: count the binds.
          const nameEnd = body.indexOf(0);
          const queryEnd = body.indexOf(0, nameEnd + 1);
          parsed.set(body.subarray(0, nameEnd).toString('utf8'), body.subarray(nameEnd + 1, queryEnd).toString('utf8'));
        } else if (type === 'B') {
          const portalEnd = body.indexOf(0);
          const statement = body.subarray(portalEnd + 1, body.indexOf(0, portalEnd + 1)).toString('utf8');
          tally(parsed.get(statement) ?? `(statement ${statement})`);
        } else if (type === 'S') {
          request();
        }
        buffer = buffer.subarray(1 + length);
      }
    });
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    proxied(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    counts: () => ({ ...counts, statements: new Map(counts.statements) }),
    reset() {
      counts = { roundTrips: 0, transactions: 0, statements: new Map() };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A 'data' listener for the server's side: calls `onMessage` with each
 * message's type. The server's first message is typed (the bench connects
 * without SSL, so no one-byte SSL answer comes first).
 */
function readMessages(onMessage: (type: string) => void): (data: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  return (data) => {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
    while (buffer.length >= 5) {
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) break;
      onMessage(String.fromCharCode(buffer[0] as number));
      buffer = buffer.subarray(1 + length);
    }
  };
}
