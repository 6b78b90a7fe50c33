/**
 * Test support: a TCP balancer on loopback that sends each new connection to
 * the next of its targets in turn, as a load balancer in front of controller
 * replicas does, and keeps every connection it made until closed.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface RoundRobinProxy {
  /** `127.0.0.1:PORT` */
  readonly address: string;
  /** The target each connection so far was sent to, in order. */
  readonly routed: readonly string[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(targets: readonly string[]): Promise<RoundRobinProxy> {
  const routed: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const target = targets[routed.length % targets.length] as string;
    routed.push(target);
    const [host, port] = target.split(':') as [string, string];
    const upstream = connect(Number(port), host);
    track(client);
    track(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    routed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
