/**
 * The agent against a real nats-server and an in-process fake controller:
 * offer → claim → checkout → steps → logs → finish, and the ways a job ends.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { natsTopology } from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { runAgentCli } from './cli.js';
import { RegistrationRefusedError } from './registration.js';
import { useAgentFixture } from './testing/agent-fixture.js';

const f = useAgentFixture();
const { offer, publishOffer, logLine, finishOf, methodsFor, logTextOf, start } = f;

/** True while process `pid` exists (zombies count as gone). */
function isAlive(pid: number): boolean {
  try {
    return !/^Z/.test(
      execFileSync('ps', ['-o', 'stat=', '-p', String(pid)])
        .toString()
        .trim(),
    );
  } catch {
    return false;
  }
}

describe('agent', () => {
  it('registers, announces readiness, runs an offered job and reports it', async () => {
    const cfg = await start();
    const ready = f.logs.filter((l) => l.msg === 'agent ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ agentId: 'agent-1', name: 'test-agent', queues: ['default'], slots: 1 });
    // Enrolled with the token once, then every call carries the credential it was given, kept 0600.
    const enrol = f.controller.calls.find((c) => c.method === 'Enrol');
    expect(enrol).toMatchObject({ authorization: 'Bearer t0k', request: { protocolVersion: 4, name: 'test-agent' } });
    const register = f.controller.calls.find((c) => c.method === 'Register');
    expect(register).toMatchObject({
      authorization: 'Bearer credential-test-agent',
      request: { protocolVersion: 4, slots: 1 },
    });
    const credentialFile = join(cfg.workDir, 'credential');
    expect((await stat(credentialFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(credentialFile, 'utf8'))).toEqual({
      name: 'test-agent',
      credential: 'credential-test-agent',
    });

    const jobId = await offer(['echo "$GANTRY_JOB_NAME $FOO $CI $GANTRY_ATTEMPT"', 'cat README >&2']);
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({
      result: 'succeeded',
      exitCode: 0,
      lease: { leaseToken: `lease-${jobId}-1` },
    });
    expect(logTextOf(jobId)).toBe(
      '$ echo "$GANTRY_JOB_NAME $FOO $CI $GANTRY_ATTEMPT"\nbuild bar true 1\n$ cat README >&2\nhello\n',
    );
    // Every log byte is stored before the job is reported finished.
    const methods = methodsFor(jobId);
    expect(methods.indexOf('StreamLogs')).toBeLessThan(methods.indexOf('FinishJob'));
    expect(f.stepsOf(jobId)).toEqual([
      [0, 'succeeded', 0],
      [1, 'succeeded', 0],
    ]);
    // The offer was acked (a WorkQueue stream drops acked messages).
    const info = await (await f.nc.jetstreamManager()).consumers.info(natsTopology.jobsStream, 'jobs-default');
    expect(info.num_ack_pending).toBe(0);
    await f.agent?.drain();
    expect(readdirSync(join(cfg.workDir, 'workspaces'))).toEqual([]);
    expect(readdirSync(join(cfg.workDir, 'repos'))).toHaveLength(1);
  });

  /** The fake controller takes log chunks with FinishJob, as the real one does. */
  const acceptFinishLogs = () => {
    const claim = f.controller.claim;
    f.controller.claim = (request) => {
      const answer = claim(request);
      return 'granted' in answer && answer.granted ? { ...answer, acceptsFinishLogs: true } : answer;
    };
  };

  it('sends the whole log of a job that ends within the hold with FinishJob', async () => {
    // A hold no machine's short job outlasts, however loaded.
    await start({ logHoldMs: 10_000 });
    acceptFinishLogs();
    const short = await offer(['echo one', 'echo two >&2']);
    const shortFinish = await finishOf(short);
    expect(methodsFor(short)).not.toContain('StreamLogs');
    expect(shortFinish.request.logChunks.map((chunk) => chunk.lease?.leaseToken)).not.toContain(undefined);
    expect(logTextOf(short)).toBe('$ echo one\none\n$ echo two >&2\ntwo\n');
  });

  it('streams the log live past the hold: its first lines are stored while the job still runs', async () => {
    await start({ logHoldMs: 0 });
    acceptFinishLogs();
    const long = await offer(['echo early', 'sleep 1', 'echo late']);
    const finish = await finishOf(long);
    const methods = methodsFor(long);
    expect(methods).toContain('StreamLogs');
    expect(methods.indexOf('StreamLogs')).toBeLessThan(methods.indexOf('FinishJob'));
    expect(finish.request.logChunks).toEqual([]);
    expect(logTextOf(long)).toBe('$ echo early\nearly\n$ sleep 1\n$ echo late\nlate\n');
  });

  it('stops at the first failing step', async () => {
    await start();
    const jobId = await offer(['echo one', 'exit 3', 'echo never']);
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({ result: 'failed', exitCode: 3, message: 'step 2 failed with exit code 3' });
    expect(logTextOf(jobId)).not.toContain('never');
  });

  it('reports a checkout failure with git’s message, also in the log', async () => {
    await start();
    const jobId = await offer(['echo never'], { sha: 'f'.repeat(40) });
    const finish = await finishOf(jobId);
    expect(finish.request.result).toBe('failed');
    expect(finish.request.message).toMatch(/^checkout failed: /);
    expect(logTextOf(jobId)).toContain(finish.request.message);
  });

  it('times a job out', async () => {
    await start();
    const jobId = await offer(['sleep 1000 & sleep 1000'], { timeoutMs: 50 });
    const finish = await finishOf(jobId);
    // The deadline may pass during checkout or during the step (then exit code 143): both are "timed_out".
    expect(finish.request).toMatchObject({ result: 'timed_out', message: 'job timed out after 50 ms' });
  });

  it('times a step out on its own timeout and kills its process group', async () => {
    await start();
    const pidFile = join(f.root, 'step-timeout.pid');
    const jobId = await offer(['echo first', `sleep 1000 & echo $! > ${pidFile}; wait`, 'echo never'], {
      stepTimeoutsMs: [0, 100],
    });
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({
      result: 'timed_out',
      exitCode: 143,
      message: 'step 2 timed out after 100 ms',
    });
    expect(f.stepsOf(jobId)).toEqual([
      [0, 'succeeded', 0],
      [1, 'timed_out', 143],
    ]);
    expect(logTextOf(jobId)).not.toContain('never');
    // The step may be stopped before it wrote the pid file; if it did, its background sleep is gone.
    if (existsSync(pidFile)) expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('cancels a job on a control message', async () => {
    await start();
    const jobId = await offer(['echo started; sleep 1000']);
    await f.controller.waitFor((c) => c.method === 'ReportSteps' && c.request.lease?.jobId === jobId);
    // nats.js gives a request 1 s by default: too little on a loaded machine.
    const reply = await f.nc.request(
      natsTopology.agentControlSubject('agent-1'),
      JSON.stringify({ type: 'cancel', jobId, attempt: 1 }),
      { timeout: 10_000 },
    );
    expect(JSON.parse(reply.string())).toEqual({ ok: true });
    expect((await finishOf(jobId)).request.result).toBe('canceled');
  });

  it('cancels a job when a heartbeat says so', async () => {
    f.controller.heartbeatIntervalMs = 20;
    f.controller.heartbeat = () => ({ cancelRequested: true });
    await start();
    const jobId = await offer(['sleep 1000']);
    expect((await finishOf(jobId)).request.result).toBe('canceled');
  });

  it('kills a job whose lease went stale and reports nothing more for it', async () => {
    let staleJob = '';
    f.controller.heartbeatIntervalMs = 20;
    f.controller.heartbeat = (request) =>
      request.lease?.jobId === staleJob
        ? { error: grpc.status.FAILED_PRECONDITION, details: 'stale lease' }
        : { cancelRequested: false };
    await start();
    const pidFile = join(f.root, 'stale.pid');
    staleJob = await offer([`sleep 1000 & echo $! > ${pidFile}; wait`]);
    // One slot: the next job runs only once the stale one is gone.
    const nextJob = await offer(['true']);
    await finishOf(nextJob);
    expect(methodsFor(staleJob)).not.toContain('FinishJob');
    expect(f.logs.some((l) => l.msg === 'lease lost, killing job' && l.jobId === staleJob)).toBe(true);
    if (existsSync(pidFile)) expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('fences itself when heartbeats fail for most of the lease TTL', async () => {
    let unreachableJob = '';
    f.controller.heartbeatIntervalMs = 20;
    f.controller.leaseTtlMs = 150;
    f.controller.heartbeat = (request) =>
      request.lease?.jobId === unreachableJob
        ? { error: grpc.status.UNAVAILABLE, details: 'controller down' }
        : { cancelRequested: false };
    await start();
    unreachableJob = await offer(['sleep 1000']);
    expect(await logLine({ msg: 'lease lost, killing job', jobId: unreachableJob })).toMatchObject({
      reason: 'expired',
    });
    await logLine({ msg: 'job abandoned, lease lost', jobId: unreachableJob });
    expect(methodsFor(unreachableJob)).not.toContain('FinishJob');
  });

  it('terms an offer the controller denies and a malformed one', async () => {
    await start();
    await publishOffer('not-known');
    await publishOffer('garbage', 'default', '{not json');
    const jobId = await offer(['true']);
    await finishOf(jobId);
    expect(f.controller.calls.some((c) => c.method === 'ClaimJob' && c.request.jobId === 'not-known')).toBe(true);
    const info = await (await f.nc.jetstreamManager()).streams.info(natsTopology.jobsStream);
    expect(info.state.messages).toBe(0);
  });

  it('stops taking offers and exits when the controller refuses it a claim (revoked)', async () => {
    await start();
    f.controller.claim = () => ({ error: grpc.status.PERMISSION_DENIED, details: 'agent "test-agent" was revoked' });
    await offer(['true']);
    await logLine({ msg: 'claim refused: this agent may not take jobs' });
    expect(await f.agent?.closed).toBeUndefined();
    expect(f.logs.some((l) => l.msg === 'agent stopped')).toBe(true);
    // The offer went back for another agent.
    const jsm = await f.nc.jetstreamManager();
    expect((await jsm.streams.info(natsTopology.jobsStream)).state.messages).toBe(1);
    await jsm.streams.purge(natsTopology.jobsStream);
  });

  it('asks for as many offers as it has free slots, in one pull', async () => {
    const pullSubject = `$JS.API.CONSUMER.MSG.NEXT.${natsTopology.jobsStream}.${natsTopology.jobsConsumer('default')}`;
    const pulls = f.nc.subscribe(pullSubject, { max: 1 });
    await f.nc.flush();
    await start({ slots: 3 });
    for await (const pull of pulls) expect(JSON.parse(new TextDecoder().decode(pull.data))).toMatchObject({ batch: 3 });
    const jobIds = await Promise.all([offer(['true']), offer(['true']), offer(['true'])]);
    for (const jobId of jobIds) expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });

  it('pulls from every queue it serves', async () => {
    await start({ queues: ['linux', 'arm64'], slots: 1 });
    const jobId = await offer(['true'], { queue: 'arm64' });
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });

  it('drains: stops pulling, heartbeats the running job until it reports, then closes Connect', async () => {
    await start();
    const gate = join(f.root, 'drain.gate');
    const jobId = await offer([`until [ -e ${gate} ]; do sleep 0.02; done; echo finished`]);
    await f.controller.waitFor((c) => c.method === 'ReportSteps' && c.request.lease?.jobId === jobId);
    const drained = f.agent?.drain();
    await logLine({ msg: 'agent draining' });
    const later = await offer(['echo never']);
    // Heartbeats go on while the job runs, and so does the Connect stream.
    const beatsFor = () =>
      f.controller.calls.filter((c) => c.method === 'Heartbeat' && c.request.lease?.jobId === jobId).length;
    const beats = beatsFor();
    await f.controller.waitUntil(() => beatsFor() >= beats + 2);
    expect(f.controller.openConnects).toBe(1);
    writeFileSync(gate, '');
    await drained;
    expect(await f.agent?.closed).toBeUndefined();
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
    // Connect closed only after the job reported.
    await f.controller.waitFor((c) => c.method === 'ConnectClosed');
    const order = f.controller.calls.map((c) => c.method);
    expect(order.lastIndexOf('FinishJob')).toBeLessThan(order.indexOf('ConnectClosed'));
    expect(f.controller.openConnects).toBe(0);
    expect(f.controller.calls.some((c) => c.method === 'ClaimJob' && c.request.jobId === later)).toBe(false);
    await (await f.nc.jetstreamManager()).streams.purge(natsTopology.jobsStream);
  });

  it('drains on a drain control message', async () => {
    await start();
    const jobId = await offer(['echo working']);
    await f.controller.waitFor((c) => c.method === 'ClaimJob' && c.request.jobId === jobId);
    f.nc.publish(natsTopology.agentControlSubject('agent-1'), JSON.stringify({ type: 'drain' }));
    expect(await f.agent?.closed).toBeUndefined();
    expect(methodsFor(jobId)).toContain('FinishJob');
    await f.controller.waitFor((c) => c.method === 'ConnectClosed');
  });

  it('gantry agent exits 0 after SIGTERM, once the running job has reported', async () => {
    const logLevel = process.env.GANTRY_LOG_LEVEL;
    process.env.GANTRY_LOG_LEVEL = 'fatal';
    const cfg = f.config();
    const argv = ['--controller', cfg.controllerAddresses.join(','), '--nats', cfg.natsUrl, '--token', 't0k'];
    const exitCode = runAgentCli([...argv, '--work-dir', cfg.workDir, '--name', 'cli-agent']);
    try {
      const gate = join(f.root, 'cli.gate');
      const jobId = await offer([`until [ -e ${gate} ]; do sleep 0.02; done`]);
      await f.controller.waitFor((c) => c.method === 'ReportSteps' && c.request.lease?.jobId === jobId);
      // What the signal handler sees on a real SIGTERM (emitting spares the test runner the signal).
      process.emit('SIGTERM', 'SIGTERM');
      writeFileSync(gate, '');
      expect(await exitCode).toBe(0);
      expect((await finishOf(jobId)).request.result).toBe('succeeded');
      await f.controller.waitFor((c) => c.method === 'ConnectClosed');
    } finally {
      if (logLevel === undefined) delete process.env.GANTRY_LOG_LEVEL;
      else process.env.GANTRY_LOG_LEVEL = logLevel;
    }
  });

  it('refuses to start when the controller rejects the protocol version', async () => {
    f.controller.register = () => ({ error: grpc.status.FAILED_PRECONDITION, details: 'protocol 1 not supported' });
    await expect(start()).rejects.toMatchObject({ name: 'RegistrationRefusedError', code: 'VERSION_MISMATCH' });
  });

  it('refuses to start with an enrolment token the controller rejects', async () => {
    f.controller.enrol = () => ({ error: grpc.status.UNAUTHENTICATED, details: 'enrolment token expired' });
    const attempt = start();
    await expect(attempt).rejects.toBeInstanceOf(RegistrationRefusedError);
    await expect(attempt).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(f.controller.count('Register')).toBe(0);
  });

  it('stops when the controller refuses the agent (revoked)', async () => {
    f.controller.register = () => ({ error: grpc.status.PERMISSION_DENIED, details: 'agent "test-agent" was revoked' });
    await expect(start()).rejects.toMatchObject({ name: 'RegistrationRefusedError', code: 'REFUSED' });
    expect(f.controller.count('Enrol')).toBe(1);
  });
});
