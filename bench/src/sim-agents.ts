/**
 * Simulated agents for the scale and ceiling scenarios, run as their own
 * process (`node bench/run.mjs bench/src/sim-agents.ts --count 200 …`) so
 * their load (and CPU) stays apart from the bench's own measurements. Each
 * speaks the real protocol: its own gRPC channel, Enrol (with --token) and
 * Register (with the credential Enrol gave it), a Connect stream held open
 * (reopened after a drop, as an agent would), and its own NATS connection
 * subscribed to its control subject. Idle by default (they never pull jobs);
 * with --work each also takes jobs from its queue with --slots slots, claiming,
 * reporting and finishing them without running any process (sim-worker.ts).
 * Prints one JSON line `{"ready":true,…}` once every agent is set up, then a
 * status line every few seconds, and closes everything when stdin closes or
 * on SIGTERM (a working agent first finishes the jobs it claimed).
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type AgentServiceClient,
  AUTHORIZATION_METADATA_KEY,
  agentServiceClientConstructor,
  natsTopology,
  PROTOCOL_VERSION,
} from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import { type WorkerCounters, workJobs } from './sim-worker.js';

interface SimAgent {
  client: AgentServiceClient;
  agentId: string;
  /** Its own credential, from Enrol. */
  credential: string;
  stream: grpc.ClientReadableStream<unknown> | undefined;
  nats: NatsConnection;
  /** Resolves when its pull loop ended and its claimed jobs are finished (--work). */
  working: Promise<void>;
}

const jobs: WorkerCounters = { claimed: 0, denied: 0, finished: 0, callErrors: 0, pullErrors: 0 };
const status = {
  registered: 0,
  streamsOpen: 0,
  connectedEvents: 0,
  connectUnimplemented: 0,
  streamErrors: 0,
  nats: 0,
  jobs,
};

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      controller: { type: 'string' },
      nats: { type: 'string' },
      token: { type: 'string' },
      count: { type: 'string', default: '200' },
      queue: { type: 'string', default: 'scale' },
      batch: { type: 'string', default: '20' },
      work: { type: 'boolean', default: false },
      slots: { type: 'string', default: '4' },
    },
    strict: true,
  });
  if (!values.controller || !values.nats || !values.token) throw new Error('--controller, --nats, --token required');
  const count = Number(values.count);
  const batch = Number(values.batch);
  const slots = Number(values.slots);
  if (!(count >= 1 && batch >= 1 && slots >= 1 && slots <= 256)) throw new Error('bad --count, --batch or --slots');
  const stopWorking = new AbortController();
  setMaxListeners(0, stopWorking.signal); // each working agent's outstanding pull listens to it
  const Client = agentServiceClientConstructor();
  const metadata = (secret: string) => {
    const m = new grpc.Metadata();
    m.set(AUTHORIZATION_METADATA_KEY, `Bearer ${secret}`);
    return m;
  };
  // Names are enrolled for good: a second run against the same controller needs new ones.
  const run = randomBytes(3).toString('hex');
  const agents: SimAgent[] = [];
  let closing = false;

  const openStream = (agent: SimAgent) => {
    if (closing) return;
    const stream = agent.client.connect({ agentId: agent.agentId }, metadata(agent.credential));
    agent.stream = stream;
    let counted = true;
    status.streamsOpen++;
    const closed = (code?: grpc.status) => {
      if (!counted) return;
      counted = false;
      status.streamsOpen--;
      if (closing) return;
      if (code === grpc.status.UNIMPLEMENTED) {
        status.connectUnimplemented++;
        return; // this controller has no Connect yet: the agent lives without it, as the real one does today
      }
      status.streamErrors++;
      setTimeout(() => openStream(agent), 1000).unref();
    };
    stream.on('data', () => {
      status.connectedEvents++;
    });
    stream.on('error', (error: grpc.ServiceError) => closed(error.code));
    stream.on('end', () => closed());
  };

  const start = async (index: number): Promise<SimAgent> => {
    // A channel of its own (no shared subchannel): one HTTP/2 connection per agent, as with separate processes.
    const client = new Client(values.controller as string, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    }) as unknown as AgentServiceClient;
    const name = `bench-sim-${run}-${index}`;
    const queues = [values.queue as string];
    const credential = await new Promise<string>((resolve, reject) => {
      client.enrol(
        { protocolVersion: PROTOCOL_VERSION, name, queues, hostname: hostname() },
        metadata(values.token as string),
        { deadline: Date.now() + 30_000 },
        (error, response) => (error || !response ? reject(error ?? new Error('empty')) : resolve(response.credential)),
      );
    });
    const registered = await new Promise<{ agentId: string; heartbeatIntervalMs: number }>((resolve, reject) => {
      client.register(
        {
          protocolVersion: PROTOCOL_VERSION,
          name,
          queues,
          slots,
          hostname: hostname(),
          agentVersion: 'bench-sim',
        },
        metadata(credential),
        { deadline: Date.now() + 30_000 },
        (error, response) => (error || !response ? reject(error ?? new Error('empty')) : resolve(response)),
      );
    });
    status.registered++;
    const nats = await connect({
      servers: values.nats as string,
      name,
      maxReconnectAttempts: -1,
      pingInterval: 15_000,
    });
    nats.subscribe(natsTopology.agentControlSubject(registered.agentId), { callback: () => {} });
    status.nats++;
    const working = values.work
      ? workJobs({
          client,
          agentId: registered.agentId,
          nats,
          queue: queues[0] as string,
          slots,
          heartbeatIntervalMs: registered.heartbeatIntervalMs || 10_000,
          metadata: () => metadata(credential),
          counters: jobs,
          signal: stopWorking.signal,
        })
      : Promise.resolve();
    const agent: SimAgent = { client, agentId: registered.agentId, credential, stream: undefined, nats, working };
    openStream(agent);
    return agent;
  };

  for (let first = 0; first < count; first += batch) {
    const indexes = Array.from({ length: Math.min(batch, count - first) }, (_, i) => first + i);
    agents.push(...(await Promise.all(indexes.map(start))));
  }
  // Give the streams a moment to deliver "connected" (or be refused).
  const settleDeadline = Date.now() + 10_000;
  while (status.connectedEvents + status.connectUnimplemented < count && Date.now() < settleDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`${JSON.stringify({ ready: true, ...status })}\n`);
  const ticker = setInterval(() => process.stdout.write(`${JSON.stringify({ ready: true, ...status })}\n`), 5000);

  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
    process.once('SIGTERM', resolve);
  });
  closing = true;
  clearInterval(ticker);
  stopWorking.abort();
  await Promise.all(agents.map((agent) => agent.working));
  process.stdout.write(`${JSON.stringify({ ready: true, ...status })}\n`);
  for (const agent of agents) {
    agent.stream?.cancel();
    agent.client.close();
  }
  await Promise.all(agents.map((agent) => agent.nats.close().catch(() => {})));
  return 0;
}
