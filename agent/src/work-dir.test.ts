import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareWorkDir, WorkDirError } from './work-dir.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('prepareWorkDir', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('closes the work dir to others', async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-work-'));
    const workDir = join(root, 'work');
    await prepareWorkDir(workDir);
    expect(await modeOf(workDir)).toBe(0o700);
  });

  it('for a steps’ user, lets it pass to workspaces and tmp only, closing everything else', async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-work-'));
    await chmod(root, 0o711);
    const workDir = join(root, 'work');
    await mkdir(join(workDir, 'caches'), { recursive: true, mode: 0o755 });
    await writeFile(join(workDir, 'credential'), 'x', { mode: 0o644 });
    await prepareWorkDir(workDir, { sharedWithJobUser: true });
    expect(await modeOf(workDir)).toBe(0o711);
    expect(await modeOf(join(workDir, 'workspaces'))).toBe(0o711);
    expect(await modeOf(join(workDir, 'tmp'))).toBe(0o711);
    expect(await modeOf(join(workDir, 'repos'))).toBe(0o700);
    expect(await modeOf(join(workDir, 'snapshots'))).toBe(0o700);
    expect(await modeOf(join(workDir, 'caches'))).toBe(0o700);
    expect(await modeOf(join(workDir, 'credential'))).toBe(0o600);
  });

  it('refuses a work dir the steps’ user cannot reach, naming the closed directory', async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-work-'));
    const workDir = join(root, 'work');
    const refused = prepareWorkDir(workDir, { sharedWithJobUser: true });
    await expect(refused).rejects.toBeInstanceOf(WorkDirError);
    await expect(refused).rejects.toThrow(`${root} is not searchable by others`);
  });
});
