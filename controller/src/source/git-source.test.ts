import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGitSource, SourceError } from './git-source.js';

describe('reading .gantry.yml from a repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-source-'));
  const repo = join(dir, 'repo');
  const source = createGitSource({ cacheDir: join(dir, 'cache') });
  let first: string;
  let second: string;

  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    }).trim();

  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gantry.yml'), 'name: one\n');
    git('add', '.');
    git('commit', '-qm', 'one');
    first = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, '.gantry.yml'), 'name: two\n');
    git('commit', '-qam', 'two');
    second = git('rev-parse', 'HEAD');
    git('rm', '-q', '.gantry.yml');
    git('commit', '-qm', 'gone');
    git('tag', 'without-pipeline');
    git('reset', '-q', '--hard', second);
  });

  it('resolves a branch to its commit and reads the file there', async () => {
    expect(await source.readPipelineFile(repo, 'main', null)).toEqual({ sha: second, text: 'name: two\n' });
  });

  it('reads at an explicit commit, whatever the ref says', async () => {
    expect(await source.readPipelineFile(repo, 'main', first)).toEqual({ sha: first, text: 'name: one\n' });
  });

  it('reads through a mirror when given a URL', async () => {
    expect(await source.readPipelineFile(`file://${repo}`, 'main', null)).toEqual({ sha: second, text: 'name: two\n' });
  });

  it.each([
    ['an unknown ref', repo, 'nope', 'REF_NOT_FOUND', 'ref "nope" not found'],
    ['a commit without the file', repo, 'without-pipeline', 'PIPELINE_FILE_MISSING', '.gantry.yml not found'],
    ['a path that is no repository', dir, 'main', 'REPOSITORY_UNREADABLE', 'cannot read repository'],
    ['a ref that looks like an option', repo, '--all', 'REF_NOT_FOUND', 'not a valid git ref'],
  ])('reports %s', async (_what, where, ref, code, message) => {
    const error = await source.readPipelineFile(where, ref, null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(message);
  });
});
