/**
 * Nothing secret leaks: with the controller and agents logging at debug, a
 * pipeline runs through a fenced call the database refuses (its error carries
 * the lease token among its parameters), and afterwards no lease token, admin
 * token or agent token appears anywhere in what the processes printed. And a
 * controller on embedded PGlite keeps its data directory to its owner: no
 * file or directory under it has a group or other permission bit.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  api,
  type ControllerProcess,
  createGitRepo,
  type NatsServer,
  startAgent,
  startController,
  startNats,
} from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor } from './wait.js';

const finished = (status: string) => status !== 'queued' && status !== 'running';

function heldJobPipeline(marks: string) {
  return `name: secrets
stages:
  - name: build
    jobs:
      - name: compile
        steps:
          - touch ${marks}/started
          - for i in $(seq 600); do [ -e ${marks}/release ] && exit 0; sleep 0.1; done; echo "never released"; exit 1
  - name: test
    jobs:
      - { name: unit, steps: ["echo unit ok"] }
      - { name: lint, steps: ["echo lint ok"] }
`;
}

async function query<Row>(databaseUrl: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Every path under `root` (itself included) with its permission bits. */
async function modesUnder(root: string): Promise<{ path: string; mode: number }[]> {
  const found = [{ path: root, mode: (await stat(root)).mode & 0o777 }];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    found.push({ path, mode: (await stat(path)).mode & 0o777 });
  }
  return found;
}

describe('logs at debug level', () => {
  let farm: Farm | undefined;
  afterAll(async () => {
    await farm?.stop();
  });

  it('carry no token, even when the database refuses a fenced call', async () => {
    const debug = { GANTRY_LOG_LEVEL: 'debug' };
    const current = await startFarm({ agents: 2, slots: 2, controllerEnv: debug, agentEnv: debug });
    farm = current;
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const repo = await createGitRepo({ '.gantry.yml': heldJobPipeline(marks) });
    const created = await current.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    await waitFor('the held job to start', async () => ((await readdir(marks)).includes('started') ? true : undefined));

    // Heartbeats of the running job now fail inside the database, with the lease token among the parameters.
    await query(
      current.databaseUrl,
      `create function refuse_heartbeat() returns trigger language plpgsql as
         $$ begin raise exception 'heartbeat refused by the test'; end $$;
       create trigger refuse_heartbeat before update of lease_expires_at on jobs for each row
         when (old.status = 'running' and new.status = 'running') execute function refuse_heartbeat();`,
    );
    await waitFor('a refused heartbeat in the controller log', () =>
      current.controller.logs().includes('heartbeat refused by the test'),
    );
    await query(current.databaseUrl, 'drop trigger refuse_heartbeat on jobs; drop function refuse_heartbeat();');
    await writeFile(join(marks, 'release'), '');

    const run = await current.client.waitForRun(created.data!.id, (view) => finished(view.status), {
      timeoutMs: 90_000,
    });
    expect(run.status, farmLogs(current)).toBe('succeeded');

    const leaseTokens = (
      await query<{ lease_token: string }>(
        current.databaseUrl,
        'select lease_token from job_attempts union select lease_token from jobs where lease_token is not null',
      )
    ).map((row) => row.lease_token);
    expect(leaseTokens.length).toBeGreaterThanOrEqual(3);
    const controllerLog = current.controller.logs();
    expect(controllerLog).toContain('grpc call failed');
    expect(controllerLog).toContain('"level":20'); // debug lines were written
    const secrets = [current.adminToken, current.agentToken, ...leaseTokens];
    const outputs = [
      { name: 'controller', text: controllerLog },
      ...current.agents.map((agent) => ({ name: agent.name, text: agent.logs() })),
    ];
    for (const output of outputs) {
      const leaked = secrets.filter((secret) => output.text.includes(secret));
      expect(leaked, `${output.name} printed a token`).toEqual([]);
    }
  });
});

describe('the data directory of a controller on PGlite', () => {
  let nats: NatsServer | undefined;
  let controller: ControllerProcess | undefined;
  let agent: AgentProcess | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds files and directories readable by their owner only, after a run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-modes-'));
    const dataDir = join(dir, 'data');
    nats = await startNats();
    // A first PGlite start unpacks and migrates a whole cluster: slow on a busy machine (10–25 s seen on
    // a 2-core one), hence its 180 s, and the test's own bound above the project's 120 s.
    controller = await startController({ natsUrl: nats.url, dataDir, startTimeoutMs: 180_000 });
    const adminToken = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const agentToken = (await readFile(join(dataDir, 'agent-token'), 'utf8')).trim();
    const workDir = join(dir, 'agent');
    agent = await startAgent({ controller: controller.grpcAddress, natsUrl: nats.url, token: agentToken, workDir });

    const client = api(controller.httpUrl, adminToken);
    const repo = await createGitRepo({
      '.gantry.yml':
        'name: modes\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: ["echo built > out.txt"] }\n',
    });
    // A URL (not a local path) makes the controller mirror the repository into its cache.
    const created = await client.POST('/api/runs', { body: { repo: `file://${repo.path}`, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const run = await client.waitForRun(created.data!.id, (view) => finished(view.status), { timeoutMs: 90_000 });
    expect(run.status, controller.logs()).toBe('succeeded');
    // The data directory at rest: after a run the controller still archives its
    // logs (temporary files come and go), so stop both before walking it.
    await agent.stop();
    await controller.stop();

    const modes = await modesUnder(dataDir);
    const names = modes.map((entry) => entry.path.slice(dataDir.length));
    expect(names).toContain('/pglite/PG_VERSION');
    expect(names).toContain('/admin-token');
    expect(names.some((name) => name.startsWith('/repos/'))).toBe(true);
    const open = modes.filter((entry) => (entry.mode & 0o077) !== 0);
    expect(open.map((entry) => `${entry.mode.toString(8)} ${entry.path}`)).toEqual([]);
    expect((await stat(workDir)).mode & 0o777).toBe(0o700);
  }, 300_000);
});
