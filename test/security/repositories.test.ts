/**
 * The controller reads only the repositories its operator allows
 * (GANTRY_REPO_ALLOW): local paths, `file://`, other transports and git option
 * injection named by an API caller are refused with one message that tells
 * nothing about the host, and the controller stays healthy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, startFarm } from '../e2e/farm-fixture.js';
import { createGitRepo, type GitRepo } from '../src/harness/index.js';

const pipeline = 'stages:\n  - name: build\n    jobs:\n      - name: hello\n        steps: ["echo hi"]\n';
const refusal = {
  code: 'REPOSITORY_NOT_ALLOWED',
  message:
    'repository not allowed: this controller builds only the repositories its operator lists in GANTRY_REPO_ALLOW',
};

async function trigger(farm: Farm, repo: string) {
  const answer = await farm.client.POST('/api/runs', { body: { repo, ref: 'main' } });
  return { status: answer.response.status, error: answer.error?.error };
}

describe('a controller with GANTRY_REPO_ALLOW', () => {
  let farm: Farm;
  let allowed: GitRepo;
  let elsewhere: GitRepo;
  beforeAll(async () => {
    allowed = await createGitRepo({ '.gantry.yml': pipeline });
    elsewhere = await createGitRepo({ '.gantry.yml': pipeline });
    farm = await startFarm({
      agents: 0,
      controllerEnv: { GANTRY_REPO_ALLOW: `${allowed.path},https://git.example.com/team/` },
    });
  });
  afterAll(async () => {
    await farm?.stop();
    await allowed?.remove();
    await elsewhere?.remove();
  });

  it('builds a listed repository', async () => {
    expect((await trigger(farm, allowed.path)).status).toBe(201);
  });

  it.each([
    ['a repository outside the list', () => elsewhere.path],
    ['the same one as a file:// URL', () => `file://${elsewhere.path}`],
    ['a system file', () => '/etc/passwd'],
    ['a directory that does not exist', () => '/no/such/place'],
    ['a path climbing out of the listed one', () => join(allowed.path, '..', elsewhere.path.split('/').at(-1) ?? '')],
    ['the ext transport', () => `ext::sh -c touch% ${join(allowed.path, 'pwned')}`],
    ['a git option', () => `--upload-pack=touch ${join(allowed.path, 'pwned')}`],
    ['an internal HTTP service', () => 'http://127.0.0.1:1/internal.git'],
    ['a look-alike host', () => 'https://git.example.com.evil.net/team/app.git'],
  ])('refuses %s with the one message', async (_what, repo) => {
    const answer = await trigger(farm, repo());
    expect(answer.status).toBe(403);
    expect(answer.error).toMatchObject(refusal);
    expect(existsSync(join(allowed.path, 'pwned'))).toBe(false);
  });

  it('stays healthy afterwards', async () => {
    const health = await fetch(`${farm.controller.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('gantry controller without GANTRY_REPO_ALLOW', () => {
  let farm: Farm;
  let repo: GitRepo;
  beforeAll(async () => {
    repo = await createGitRepo({ '.gantry.yml': pipeline });
    farm = await startFarm({ agents: 0, controllerEnv: { GANTRY_REPO_ALLOW: '' } });
  });
  afterAll(async () => {
    await farm?.stop();
    await repo?.remove();
  });

  it('reads no local path and no file:// URL', async () => {
    for (const target of [repo.path, `file://${repo.path}`]) {
      const answer = await trigger(farm, target);
      expect(answer.status, target).toBe(403);
      expect(answer.error).toMatchObject(refusal);
    }
  });
});
