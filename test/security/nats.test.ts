/**
 * NATS with least privilege: on a farm whose nats-server has the users
 * `gantry nats-config` writes, an anonymous client cannot connect, and a
 * client holding the agents' credentials (as a job on a build host could)
 * cannot publish a job offer or a control message, delete the jobs stream,
 * add consumers or read other clients' replies. The agents still pull, run
 * and obey the controller's own drain; the controller stays healthy. An
 * agent user limited to some queues cannot pull from another's consumer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type NatsServerProcess, startNatsServer } from '@gantry/common';
import { AckPolicy, connect, type NatsConnection, RetentionPolicy, type Status } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { isGone, waitFor } from '../e2e/wait.js';
import { createGitRepo, type GitRepo } from '../src/harness/index.js';

const jobsStream = 'GANTRY_JOBS';
const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const controlSubject = (agentId: string) => `gantry.agents.${agentId}.control`;
const terminal = (run: { status: string }) => !['queued', 'running', 'accepted'].includes(run.status);

describe('NATS with users written by gantry nats-config', () => {
  let farm: Farm;
  let repo: GitRepo;
  let asAgent: NatsConnection;
  let asController: NatsConnection;
  const agentErrors: Status[] = [];

  beforeAll(async () => {
    repo = await createGitRepo({
      '.gantry.yml':
        'name: secure\nstages:\n  - name: build\n    jobs:\n      - name: hello\n        steps: ["echo hello from an authenticated farm"]\n',
    });
    farm = await startFarm({ agents: 1, slots: 1, natsAuth: true });
    const users = farm.nats.users!;
    asAgent = await connect({
      servers: farm.nats.url,
      user: users.agent.user,
      pass: users.agent.password,
      inboxPrefix: `_GANTRY_INBOX.${users.agent.user}`,
    });
    void (async () => {
      for await (const status of asAgent.status()) if (status.type === 'error') agentErrors.push(status);
    })();
    asController = await connect({
      servers: farm.nats.url,
      user: users.controller.user,
      pass: users.controller.password,
    });
  });
  afterAll(async () => {
    await asAgent?.close();
    await asController?.close();
    await farm?.stop();
    await repo?.remove();
  });

  it('runs a job: the agent pulls with only its permissions', async () => {
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const run = await farm.client.waitForRun(created.data!.id, terminal, { timeoutMs: 60_000 });
    expect(run.status, farmLogs(farm)).toBe('succeeded');
  });

  it('refuses an anonymous client', async () => {
    await expect(connect({ servers: farm.nats.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it('refuses a wrong password', async () => {
    const user = farm.nats.users!.agent.user;
    await expect(connect({ servers: farm.nats.url, user, pass: 'guessed', reconnect: false })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('refuses the agent user publishing a job offer', async () => {
    const offer = JSON.stringify({ jobId: 'forged', attempt: 1, runId: 'forged' });
    await expect(asAgent.jetstream().publish('gantry.jobs.default', new TextEncoder().encode(offer))).rejects.toThrow(
      /permissions violation/i,
    );
    const manager = await asController.jetstreamManager();
    const info = await manager.streams.info(jobsStream, { subjects_filter: 'gantry.jobs.default' });
    expect(info.state.subjects?.['gantry.jobs.default'] ?? 0).toBe(0);
  });

  it('ignores a drain forged by the agent user: the server refuses and logs it, the agent keeps running', async () => {
    const agent = farm.agents[0]!;
    const subject = controlSubject(agent.agentId);
    const heard = asController.subscribe(subject);
    await asController.flush();
    asAgent.publish(subject, JSON.stringify({ type: 'drain' }));
    // Once the flush returns the server has handled the forged publish; the marker comes after it on every path.
    await asAgent.flush();
    asController.publish(subject, JSON.stringify({ type: 'marker' }));
    const first = await heard[Symbol.asyncIterator]().next();
    heard.unsubscribe();
    expect(new TextDecoder().decode(first.value!.data)).toBe('{"type":"marker"}');
    await waitFor('the permission error', () =>
      agentErrors.find((status) => status.permissionContext?.subject === subject),
    );
    const serverLog = await readFile(join(farm.nats.storeDir, 'nats-server.log'), 'utf8');
    expect(serverLog).toMatch(new RegExp(`Publish Violation.*gantry-agent.*${subject.replaceAll('.', '\\.')}`));
    expect(isGone(agent.pid)).toBe(false);
    expect(agent.logs()).not.toContain('agent draining');
  });

  it('refuses the agent user deleting the jobs stream or adding a consumer', async () => {
    const manager = await asAgent.jetstreamManager({ checkAPI: false });
    await expect(manager.streams.delete(jobsStream)).rejects.toThrow(/permissions violation/i);
    await expect(
      manager.consumers.add(jobsStream, { durable_name: 'thief', filter_subject: 'gantry.jobs.prod' }),
    ).rejects.toThrow(/permissions violation/i);
    const controllerManager = await asController.jetstreamManager();
    expect((await controllerManager.streams.info(jobsStream)).config.name).toBe(jobsStream);
  });

  it('refuses the agent user listening to job offers or the controller’s replies', async () => {
    for (const subject of ['gantry.jobs.>', '_INBOX.>', 'gantry.events.>']) {
      const before = agentErrors.length;
      asAgent.subscribe(subject);
      await asAgent.flush();
      await waitFor(`the refusal of a subscription to ${subject}`, () =>
        agentErrors.slice(before).find((status) => status.permissionContext?.subject === subject),
      );
    }
  });

  it('stays healthy, and the controller’s own drain still reaches the agent', async () => {
    expect((await fetch(`${farm.controller.httpUrl}/healthz`)).status).toBe(200);
    const agent = farm.agents[0]!;
    const drained = await farm.client.POST('/api/agents/{id}/drain', { params: { path: { id: agent.agentId } } });
    expect(drained.response.status).toBe(202);
    await waitFor('the drained agent to exit', () => isGone(agent.pid), 30_000);
    expect(agent.logs()).toContain('agent draining');
  });
});

describe('an agent user limited to its queues (gantry nats-config --agent USER=QUEUE)', () => {
  let dir: string;
  let server: NatsServerProcess;
  let controller: NatsConnection;
  let linuxAgent: NatsConnection;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-nats-queues-'));
    const { stdout } = await promisify(execFile)(process.execPath, [
      gantryBin,
      'nats-config',
      '--out',
      join(dir, 'users'),
      '--agent',
      'linux-agents=linux',
      '--json',
    ]);
    const written = JSON.parse(stdout) as { configFile: string; users: { user: string; passwordFile: string }[] };
    const password = async (user: string) =>
      (await readFile(written.users.find((entry) => entry.user === user)!.passwordFile, 'utf8')).trim();
    server = await startNatsServer({ storeDir: join(dir, 'store'), configFile: written.configFile });
    controller = await connect({
      servers: server.url,
      user: 'gantry-controller',
      pass: await password('gantry-controller'),
    });
    const manager = await controller.jetstreamManager();
    await manager.streams.add({ name: jobsStream, subjects: ['gantry.jobs.>'], retention: RetentionPolicy.Workqueue });
    for (const queue of ['linux', 'prod']) {
      await manager.consumers.add(jobsStream, {
        durable_name: `jobs-${queue}`,
        filter_subject: `gantry.jobs.${queue}`,
        ack_policy: AckPolicy.Explicit,
      });
      await controller.jetstream().publish(`gantry.jobs.${queue}`, JSON.stringify({ jobId: queue, attempt: 1 }));
    }
    linuxAgent = await connect({
      servers: server.url,
      user: 'linux-agents',
      pass: await password('linux-agents'),
      inboxPrefix: '_GANTRY_INBOX.linux-agents',
    });
  });
  afterAll(async () => {
    await linuxAgent?.close();
    await controller?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pulls and acknowledges an offer of its own queue', async () => {
    const consumer = await linuxAgent.jetstream().consumers.get(jobsStream, 'jobs-linux');
    const message = await consumer.next({ expires: 5_000 });
    expect(message?.json()).toEqual({ jobId: 'linux', attempt: 1 });
    await message?.ackAck();
  });

  it('cannot look up or pull from another queue’s consumer', async () => {
    await expect(linuxAgent.jetstream().consumers.get(jobsStream, 'jobs-prod')).rejects.toThrow(
      /permissions violation/i,
    );
    const pull = JSON.stringify({ batch: 1, expires: 1_000_000_000 });
    await expect(linuxAgent.request(`$JS.API.CONSUMER.MSG.NEXT.${jobsStream}.jobs-prod`, pull)).rejects.toThrow(
      /permissions violation/i,
    );
    const manager = await controller.jetstreamManager();
    expect((await manager.consumers.info(jobsStream, 'jobs-prod')).num_pending).toBe(1);
  });
});
