import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, StringCodec } from 'nats';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createGitRepo, freshDatabase } from './src/harness/index.js';

const execFileAsync = promisify(execFile);

describe('integration harness', () => {
  it('gives each test an empty Postgres database of its own', async () => {
    const [first, second] = [await freshDatabase(), await freshDatabase()];
    expect(first).not.toBe(second);
    const client = new pg.Client({ connectionString: first });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('runs a nats-server that stores JetStream publishes', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const stream = `harness_${Date.now()}`;
      await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [`${stream}.>`] });
      const ack = await nc.jetstream().publish(`${stream}.probe`, StringCodec().encode('hello'));
      expect(ack.stream).toBe(stream);
      expect(ack.seq).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('creates git repositories with real commits', async () => {
    const repo = await createGitRepo({ '.gantry.yml': 'stages: []\n', 'scripts/build.sh': 'echo built\n' });
    try {
      expect(repo.branch).toBe('main');
      const type = await execFileAsync('git', ['cat-file', '-t', repo.sha], { cwd: repo.path });
      expect(type.stdout.trim()).toBe('commit');
      const mode = await execFileAsync('git', ['ls-files', '--stage', 'scripts/build.sh'], { cwd: repo.path });
      expect(mode.stdout).toMatch(/^100755 /);

      const first = repo.sha;
      const second = await repo.commit({ 'scripts/build.sh': null, 'README.md': 'hi\n' }, 'second');
      expect(second).not.toBe(first);
      expect(repo.sha).toBe(second);
      const files = await execFileAsync('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: repo.path });
      expect(files.stdout.trim().split('\n')).toEqual(['.gantry.yml', 'README.md']);
    } finally {
      await repo.remove();
    }
  });
});
