/**
 * GET /api/events: Server-Sent Events of one run or of the runs list. Each
 * connection reads the state every `eventPollIntervalMs` and sends it when it
 * differs from what the client last got; the event id is a digest of the
 * data, so a reconnect with Last-Event-ID is answered only once something
 * changed. An unknown run is a 404 before the stream opens.
 */
import { createHash } from 'node:crypto';
import { streamSSE } from 'hono/streaming';
import { NotFoundError } from '../../domain/errors.js';
import { findRunDetail } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import { streamEvents } from '../contract/events.js';
import { createRouter } from '../router.js';
import { runListEntries } from '../run-list.js';
import { runDetailView } from '../views.js';

/** How often a connection looks for a change. */
export const eventPollIntervalMs = 500;
/** A comment this often keeps proxies from closing an idle stream. */
const keepAliveMs = 15_000;

interface Snapshot {
  event: 'run' | 'runs';
  data: string;
}

export function eventRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(streamEvents, async (c) => {
    const { runId, ...filter } = c.req.valid('query');
    const read = async (): Promise<Snapshot | null> => {
      if (runId === undefined) {
        return { event: 'runs', data: JSON.stringify({ runs: await runListEntries(deps, filter) }) };
      }
      const run = await findRunDetail(deps.db, runId);
      return run ? { event: 'run', data: JSON.stringify(runDetailView(run, deps.baseUrl)) } : null;
    };
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
          snapshot = await read();
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
