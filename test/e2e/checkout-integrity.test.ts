/**
 * A job runs as the agent's user, so it can reach the agent's cached
 * snapshot of another commit. Whatever it does there, a later run of that
 * commit on the same agent gets the commit's own tree.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const execFileAsync = promisify(execFile);

/** Prints what the workspace holds: contents, a mode, what is a link, what should not exist. */
const inspectPipeline = `name: inspect
stages:
  - name: build
    jobs:
      - name: show
        steps:
          - |
            echo "message=$(cat message.txt)"
            echo "mode=$(stat -c %a run.sh)"
            if [ -L config.txt ]; then echo "config=symlink"; else echo "config=$(cat config.txt)"; fi
            if [ -e planted.txt ]; then echo "planted=yes"; else echo "planted=no"; fi
`;

/** Tampers with every snapshot and spare copy of commit `sha` it can find from its own workspace. */
const tamperPipeline = (sha: string) => `name: tamper
stages:
  - name: build
    jobs:
      - name: tamper
        steps:
          - |
            found=0
            for dir in "$GANTRY_WORKSPACE"/../../snapshots/*/${sha} "$GANTRY_WORKSPACE"/../../snapshots/*/.spare-${sha}-*; do
              [ -d "$dir" ] || continue
              printf 'planted!' > "$dir/message.txt"
              echo evil > "$dir/planted.txt"
              chmod 600 "$dir/run.sh"
              rm "$dir/config.txt" && ln -s /etc/passwd "$dir/config.txt"
              found=$((found + 1))
            done
            echo "tampered with $found copies"
            [ "$found" -gt 0 ]
`;

describe('checkout integrity', () => {
  let farm: Farm;
  beforeAll(async () => {
    // One agent: every run below shares its snapshots.
    farm = await startFarm({ agents: 1, slots: 1 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  const runToEnd = async (repo: string, ref: string): Promise<{ run: RunView; log: string }> => {
    const created = await farm.client.POST('/api/runs', { body: { repo, ref } });
    expect(created.response.status).toBe(201);
    const run = await farm.client.waitForRun(created.data!.id, (r) => ['succeeded', 'failed'].includes(r.status), {
      timeoutMs: 60_000,
    });
    const job = run.stages[0]?.jobs[0];
    const log = job ? await farm.client.readLog(run.id, job.id) : '';
    return { run, log };
  };

  it('a side branch job that tampers with the snapshot of main does not change later main runs', async () => {
    const repo = await createGitRepo({
      '.gantry.yml': inspectPipeline,
      'message.txt': 'original',
      'config.txt': 'config',
      'run.sh': 'echo run',
    });
    const mainSha = repo.sha;
    const git = (...args: string[]) => execFileAsync('git', ['-C', repo.path, ...args]);

    const first = await runToEnd(repo.path, 'main');
    expect(first.run.status, farmLogs(farm)).toBe('succeeded');
    expect(first.log).toContain('message=original\nmode=755\nconfig=config\nplanted=no');

    await git('checkout', '--quiet', '-b', 'side');
    await repo.commit({ '.gantry.yml': tamperPipeline(mainSha) }, 'tamper with the agent cache');
    await git('checkout', '--quiet', 'main');
    const side = await runToEnd(repo.path, 'side');
    expect(side.run.status, `${side.log}\n${farmLogs(farm)}`).toBe('succeeded');
    expect(side.log).toMatch(/tampered with [1-9]\d* copies/);

    const later = await runToEnd(repo.path, 'main');
    expect(later.run.status, farmLogs(farm)).toBe('succeeded');
    expect(later.run.sha).toBe(mainSha);
    expect(later.log).toContain('message=original\nmode=755\nconfig=config\nplanted=no');
    expect(later.log).not.toContain('planted!');
  });
});
