import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseJobUser } from './job-user.js';

const hasNobody = (await import('node:child_process')).spawnSync('getent', ['passwd', 'nobody']).status === 0;

describe('chooseJobUser', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('leaves the choice to an operator who set GANTRY_AGENT_RUN_AS, even empty', async () => {
    expect(await chooseJobUser({ GANTRY_AGENT_RUN_AS: '' }, '/nowhere', 0)).toEqual({ kind: 'operator' });
  });

  it('keeps the agents’ own user when not root', async () => {
    expect(await chooseJobUser({}, '/nowhere', 1000)).toEqual({ kind: 'agent-user' });
  });

  it.skipIf(!hasNobody)(
    'as root, runs steps as an unprivileged user and opens the data dir to pass through',
    async () => {
      root = await mkdtemp(join(tmpdir(), 'gantry-up-'));
      await chmod(root, 0o711);
      const dataDir = join(root, 'data');
      const choice = await chooseJobUser({}, dataDir, 0);
      expect(choice).toMatchObject({ kind: 'run-as' });
      expect((await stat(dataDir)).mode & 0o777).toBe(0o711);
      expect((await stat(join(dataDir, 'agents'))).mode & 0o777).toBe(0o711);
    },
  );

  it.skipIf(!hasNobody)('as root, warns and keeps root when a parent directory is closed to others', async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-up-'));
    await chmod(root, 0o700);
    const choice = await chooseJobUser({}, join(root, 'data'), 0);
    expect(choice).toEqual({
      kind: 'agent-user',
      warning: expect.stringContaining(`${root} is not searchable by others`),
    });
  });
});
