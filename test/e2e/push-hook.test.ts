/**
 * Runs from `git push`, end to end: a real bare repository with the hook
 * `gantry hook install` wrote, real pushes from a clone, and the farm.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/harness/free-port.js';
import { type Farm, startFarm } from './farm-fixture.js';

const run = promisify(execFile);
const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

const pipeline = `name: pushed
on: { push: { branches: [main] } }
stages:
  - name: build
    jobs: [{ name: compile, steps: ["echo built $GANTRY_BRANCH"] }]
`;

describe('gantry hook install: runs from git push', () => {
  let farm: Farm;
  let dir: string;
  let bare: string;
  let clone: string;

  const git = async (cwd: string, ...args: string[]) => {
    const { stdout, stderr } = await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return { stdout: stdout.trim(), stderr };
  };
  const gantry = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [gantryBin, ...args], { env: { ...process.env, ...env } });
  const runCount = async () =>
    (await farm.client.GET('/api/runs', { params: { query: { limit: 500 } } })).data!.runs.length;

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    dir = await mkdtemp(join(tmpdir(), 'gantry-hook-'));
    bare = join(dir, 'app.git');
    clone = join(dir, 'clone');
    await git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', bare);
    await git(dir, 'clone', '--quiet', bare, clone);
    for (const [key, value] of [
      ['user.name', 'Pusher'],
      ['user.email', 'pusher@gantry.invalid'],
      ['commit.gpgsign', 'false'],
    ]) {
      await git(clone, 'config', key!, value!);
    }
    await writeFile(join(clone, '.gantry.yml'), pipeline);
    await git(clone, 'add', '.');
    await git(clone, 'commit', '--quiet', '-m', 'pipeline');
    // An earlier hook of the repository's own, which must keep working.
    await writeFile(join(bare, 'hooks', 'post-receive'), `#!/bin/sh\ncat > "${join(dir, 'earlier-hook-saw')}"\n`, {
      mode: 0o755,
    });
    const installed = await gantry(['hook', 'install', '--repo', bare, '--url', farm.controller.httpUrl], {
      GANTRY_TOKEN: farm.adminToken,
    });
    expect(installed.stdout).toContain('the hook that was there runs first');
  });
  afterAll(async () => {
    await farm?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes exactly one run for a push to main and shows the pusher its URL', async () => {
    const before = await runCount();
    const pushed = await git(clone, 'push', '--quiet', 'origin', 'main');
    const sha = (await git(clone, 'rev-parse', 'HEAD')).stdout;
    const url = /remote: gantry: refs\/heads\/main: run (\S+)/.exec(pushed.stderr)?.[1];
    expect(url, pushed.stderr).toBeDefined();
    const runId = url!.split('/').at(-1)!;
    const finished = await farm.client.waitForRun(runId, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(finished).toMatchObject({ status: 'succeeded', sha, ref: 'refs/heads/main', fullRef: 'refs/heads/main' });
    expect(await runCount()).toBe(before + 1);
    expect(await readFile(join(dir, 'earlier-hook-saw'), 'utf8')).toContain('refs/heads/main');

    // The same push delivered again (the hook fired twice) makes no second run.
    const zero = '0'.repeat(40);
    const replay = await run('sh', ['-c', `printf '%s %s %s\\n' ${zero} ${sha} refs/heads/main | hooks/post-receive`], {
      cwd: bare,
    });
    expect(replay.stdout).toContain(`gantry: refs/heads/main: run ${url}`);
    expect(await runCount()).toBe(before + 1);

    // The webhook path derives the same key: the same push reported with it is the same run.
    const key = `gantry-push-${createHash('sha256').update(`${bare}\nrefs/heads/main\n${zero}\n${sha}`).digest('hex')}`;
    const reported = await farm.client.POST('/api/pushes', {
      body: { repo: bare, ref: 'refs/heads/main', before: zero, after: sha },
      params: { header: { 'idempotency-key': key } },
    });
    expect(reported.response.status).toBe(200);
    expect(reported.data).toMatchObject({ id: runId });
  });

  it('makes no run for a branch on.push does not list, nor for a deleted branch, and says why', async () => {
    const before = await runCount();
    await git(clone, 'checkout', '--quiet', '-b', 'feature/x');
    await git(clone, 'commit', '--quiet', '--allow-empty', '-m', 'feature work');
    const pushed = await git(clone, 'push', '--quiet', 'origin', 'feature/x');
    expect(pushed.stderr).toContain(
      'gantry: refs/heads/feature/x: no run: branch feature/x does not match on.push.branches (main)',
    );
    const deleted = await git(clone, 'push', '--quiet', 'origin', '--delete', 'feature/x');
    expect(deleted.stderr).not.toContain('gantry:');
    expect(await runCount()).toBe(before);
  });

  it('lets the push succeed with one warning line when the controller is down', async () => {
    const other = join(dir, 'other.git');
    await git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', other);
    const closedPort = await findFreePort();
    await gantry(['hook', 'install', '--repo', other, '--url', `http://127.0.0.1:${closedPort}`], {
      GANTRY_TOKEN: farm.adminToken,
    });
    await git(clone, 'checkout', '--quiet', 'main');
    const pushed = await git(clone, 'push', '--quiet', other, 'main');
    const warnings = pushed.stderr.split('\n').filter((line) => line.includes('gantry:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `remote: gantry: warning: controller unreachable at http://127.0.0.1:${closedPort} .*; no run for refs/heads/main`,
      ),
    );
    // Refused at once, not left to curl's connect timeout (which bounds a host that does not answer).
    expect(warnings[0]).toContain("Couldn't connect to server");
    expect((await git(other, 'rev-parse', 'main')).stdout).toBe((await git(clone, 'rev-parse', 'main')).stdout);
  });

  describe('a Gitea-style push webhook', () => {
    const secret = 'a-webhook-secret-of-some-length';
    const deliver = async (body: string, signature: string | null) =>
      fetch(`${farm.controller.httpUrl}/api/hooks/push`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gitea-event': 'push',
          ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
        },
        body,
      });
    const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

    it('starts a run when signed with the registered secret, once however often it is delivered', async () => {
      const url = `file://${bare}`;
      const secretFile = join(dir, 'webhook-secret');
      await writeFile(secretFile, `${secret}\n`);
      const added = await gantry(
        ['repo', 'add', url, '--webhook-secret-file', secretFile, '--url', farm.controller.httpUrl],
        {
          GANTRY_TOKEN: farm.adminToken,
        },
      );
      expect(added.stdout).toContain(`registered ${url}`);
      const listed = await farm.client.GET('/api/repositories');
      expect(JSON.stringify(listed.data)).not.toContain(secret);

      await git(clone, 'checkout', '--quiet', 'main');
      const before = (await git(clone, 'rev-parse', 'HEAD')).stdout;
      await git(clone, 'commit', '--quiet', '--allow-empty', '-m', 'webhook push');
      const after = (await git(clone, 'rev-parse', 'HEAD')).stdout;
      await git(clone, 'push', '--quiet', bare, 'main');
      const payload = JSON.stringify({
        ref: 'refs/heads/main',
        before,
        after,
        repository: { full_name: 'team/app', clone_url: url, html_url: 'https://git.example/team/app' },
        pusher: { login: 'pusher' },
      });
      const runsBefore = await runCount();
      const first = await deliver(payload, sign(payload));
      expect(first.status).toBe(201);
      const created = (await first.json()) as { id: string };
      const finished = await farm.client.waitForRun(
        created.id,
        (r) => r.status === 'succeeded' || r.status === 'failed',
      );
      expect(finished).toMatchObject({ status: 'succeeded', sha: after, repo: url, triggeredBy: 'webhook' });

      const redelivered = await deliver(payload, sign(payload));
      expect(redelivered.status).toBe(200);
      expect(await redelivered.json()).toMatchObject({ id: created.id });
      // (The hook had already reported this push under the repository's path, before runsBefore was counted.)
      expect(await runCount()).toBe(runsBefore + 1);
    });

    it('refuses a wrongly signed or unsigned delivery with 401 and starts nothing', async () => {
      const after = (await git(clone, 'rev-parse', 'HEAD')).stdout;
      const payload = JSON.stringify({
        ref: 'refs/heads/main',
        before: '0'.repeat(40),
        after,
        repository: { clone_url: `file://${bare}` },
      });
      const runsBefore = await runCount();
      const wrong = await deliver(payload, sign(payload, 'not-the-registered-secret'));
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      const tampered = await deliver(payload.replace('refs/heads/main', 'refs/heads/mainx'), sign(payload));
      expect(tampered.status).toBe(401);
      const unsigned = await deliver(payload, null);
      expect(unsigned.status).toBe(401);
      expect(await runCount()).toBe(runsBefore);
    });
  });

  it('gantry hook uninstall puts the earlier hook back', async () => {
    await gantry(['hook', 'uninstall', '--repo', bare]);
    expect(await readFile(join(bare, 'hooks', 'post-receive'), 'utf8')).toContain('earlier-hook-saw');
  });
});
