/**
 * GET /api/events: Server-Sent Events of one run or of the runs list. Each
 * connection reads the state every `eventPollIntervalMs` and sends it when it
 * differs from what the client last got; the event id is a digest of the
 * data, so a reconnect with Last-Event-ID is answered only once something
 * changed. An unknown run is a 404 before the stream opens. After its first
 * read, a connection shares its reads with the others watching the same run
 * or list (coalesced-reads.ts): many watchers cost about as much as one.
 */
import { createHash } from 'node:crypto';
import { streamSSE } from 'hono/streaming';
import { NotFoundError } from '../../domain/errors.js';
import { findRunDetail } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import { CoalescedReads } from '../coalesced-reads.js';
import { streamEvents } from '../contract/events.js';
import { createRouter } from '../router.js';
import { runListEntries } from '../run-list.js';
import { runDetailView } from '../views.js';

/** How often a connection looks for a change. */
export const eventPollIntervalMs = 500;
/** How much older than its own read a coalesced one may be: a change reaches watchers within the two together. */
const coalescedReadMaxAgeMs = eventPollIntervalMs / 2;
/** A comment this often keeps proxies from closing an idle stream. */
const keepAliveMs = 15_000;

interface Snapshot {
  event: 'run' | 'runs';
  data: string;
}

export function eventRoutes(deps: ApiDeps) {
  const app = createRouter();
  // Neither a run's detail nor the runs list depends on who reads it.
  const coalescedReads = new CoalescedReads<Snapshot | null>({ maxAgeMs: coalescedReadMaxAgeMs });

  app.openapi(streamEvents, async (c) => {
    const { runId, ...filter } = c.req.valid('query');
    const read = async (): Promise<Snapshot | null> => {
      if (runId === undefined) {
        return { event: 'runs', data: JSON.stringify({ runs: await runListEntries(deps, filter) }) };
      }
      const run = await findRunDetail(deps.db, runId);
      return run ? { event: 'run', data: JSON.stringify(runDetailView(run, deps.baseUrl)) } : null;
    };
    const key = runId === undefined ? `runs ${JSON.stringify(filter)}` : `run ${runId}`;
    // The first read is the connection's own: a client that just changed something sees it at once.
    const first = await read();
    if (!first) throw new NotFoundError(`run "${runId}" not found`);
    const signal = c.req.raw.signal;
    return streamSSE(
      c,
      async (stream) => {
        let lastId = c.req.valid('header')['last-event-id'];
        let quietSinceMs = Date.now();
        for (let snapshot: Snapshot | null = first; snapshot && !signal.aborted && !stream.aborted; ) {
          const id = digest(snapshot.data);
          if (id !== lastId) {
            await stream.writeSSE({ event: snapshot.event, id, data: snapshot.data });
            lastId = id;
            quietSinceMs = Date.now();
          } else if (Date.now() - quietSinceMs >= keepAliveMs) {
            await stream.write(': keep-alive\n\n');
            quietSinceMs = Date.now();
          }
          await stream.sleep(eventPollIntervalMs);
          snapshot = await coalescedReads.read(key, read);
        }
      },
      async (error, stream) => {
        deps.log.error({ err: error, runId }, 'event stream failed');
        await stream.close();
      },
    );
  });

  return app;
}

function digest(data: string): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}
