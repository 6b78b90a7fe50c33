import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refKindOf } from '../domain/ref-kind.js';
import { createGitSource, SourceError } from './git-source.js';
import { localRepositories } from './repository-allow-list.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
  }).trim();

/** A repository at `repo` whose `main` holds `.gantry.yml` (named `name`) in a first commit, then empty ones; their ids in order. */
function repositoryWithCommits(repo: string, name: string, messages: string[]): string[] {
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, '.gantry.yml'), `name: ${name}\n`);
  git(repo, 'add', '.');
  return messages.map((message, index) => {
    git(repo, 'commit', '-q', ...(index === 0 ? [] : ['--allow-empty']), '-m', message);
    return git(repo, 'rev-parse', 'HEAD');
  });
}

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('a repository on the controller host', () => {
  const repo = join(dir, 'repo');
  const source = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'cache-local') });
  let first: string;
  let second: string;
  let sideBranch: string;
  let dangling: string;
  let withoutPipeline: string;

  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gantry.yml'), 'name: one\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'one');
    first = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, '.gantry.yml'), 'name: two\n');
    git(repo, 'commit', '-qam', 'two');
    second = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'rm', '-q', '.gantry.yml');
    git(repo, 'commit', '-qm', 'gone');
    withoutPipeline = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'tag', 'without-pipeline');
    git(repo, 'reset', '-q', '--hard', second);
    git(repo, 'checkout', '-q', '-b', 'side', first);
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'side');
    sideBranch = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', 'main');
    dangling = git(repo, 'commit-tree', '-p', second, '-m', 'dangling', `${second}^{tree}`);
  });

  it('refuses a pipeline file over the size limit without reading it', async () => {
    const small = createGitSource({
      allow: localRepositories,
      cacheDir: join(dir, 'cache-small'),
      maxPipelineBytes: 10,
    });
    expect((await small.readPipelineFile(repo, first)).text).toBe('name: one\n');
    const tooSmall = createGitSource({
      allow: localRepositories,
      cacheDir: join(dir, 'cache-smaller'),
      maxPipelineBytes: 9,
    });
    const error = await failure(tooSmall.readPipelineFile(repo, first));
    expect(error.code).toBe('PIPELINE_FILE_TOO_LARGE');
    expect(error.message).toBe(
      `.gantry.yml: the file is 10 bytes at commit ${first.slice(0, 12)}, over the limit of 9 bytes (GANTRY_MAX_PIPELINE_BYTES)`,
    );
  });

  it('resolves a branch to its head and reads the file at a commit', async () => {
    expect(await source.resolveCommit(repo, 'main', null)).toBe(second);
    expect((await source.readPipelineFile(repo, second)).text).toBe('name: two\n');
    expect((await source.readPipelineFile(repo, first)).text).toBe('name: one\n');
  });

  it('reads a commit it read before from memory, and only in the repository it was read from', async () => {
    const copy = join(dir, 'copy');
    execFileSync('git', ['clone', '-q', repo, copy]);
    const fresh = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'cache-copy') });
    const read = await fresh.readPipelineFile(copy, first);
    expect(read.text).toBe('name: one\n');
    // With the repository gone, only a commit read before can still be read.
    rmSync(copy, { recursive: true, force: true });
    expect(await fresh.readPipelineFile(copy, first)).toEqual(read);
    expect((await failure(fresh.readPipelineFile(copy, second))).code).toBe('REPOSITORY_UNREADABLE');
    expect((await failure(fresh.readPipelineFile(join(dir, 'elsewhere'), first))).code).toBe('REPOSITORY_UNREADABLE');
  });

  it("gives the commit's author and committer e-mails and its subject with the file", async () => {
    const people = join(dir, 'people');
    execFileSync('git', ['init', '-q', '-b', 'main', people]);
    writeFileSync(join(people, '.gantry.yml'), 'name: people\n');
    git(people, 'add', '.');
    execFileSync('git', ['-C', people, 'commit', '-qm', 'by ann\n\nthe body', '--author', 'Ann <Ann@Example.com>'], {
      env: { ...process.env, GIT_COMMITTER_NAME: 'Carl', GIT_COMMITTER_EMAIL: 'carl@example.com' },
    });
    const sha = git(people, 'rev-parse', 'HEAD');
    expect(await source.readPipelineFile(people, sha)).toEqual({
      text: 'name: people\n',
      authorEmail: 'Ann@Example.com',
      committerEmail: 'carl@example.com',
      authorName: 'Ann',
      subject: 'by ann',
    });
  });

  it('reads a pipeline file and a subject beyond ASCII exactly as committed', async () => {
    const wide = join(dir, 'wide');
    execFileSync('git', ['init', '-q', '-b', 'main', wide]);
    const text = 'name: café ✓ 構築\n# 🚀 deploy\n';
    writeFileSync(join(wide, '.gantry.yml'), text);
    git(wide, 'add', '.');
    execFileSync('git', ['-C', wide, 'commit', '-qm', 'déploie ✓', '--author', 'Zoë <zoe@example.com>'], {
      env: { ...process.env, GIT_COMMITTER_NAME: 'Carl', GIT_COMMITTER_EMAIL: 'carl@example.com' },
    });
    const read = await source.readPipelineFile(wide, git(wide, 'rev-parse', 'HEAD'));
    expect(read).toMatchObject({ text, authorName: 'Zoë', subject: 'déploie ✓' });
  });

  it('accepts a sha on the ref (an ancestor, abbreviated or not) and gives its full id', async () => {
    expect(await source.resolveCommit(repo, 'main', first)).toBe(first);
    expect(await source.resolveCommit(repo, 'main', first.slice(0, 8))).toBe(first);
    expect(await source.resolveCommit(repo, 'main', second)).toBe(second);
    expect(await source.resolveCommit(repo, 'refs/heads/side', first)).toBe(first);
  });

  it.each([
    ['on another branch', () => sideBranch],
    ['dangling', () => dangling],
  ])('refuses a sha %s, naming the commit and the ref', async (_what, sha) => {
    const error = await failure(source.resolveCommit(repo, 'main', sha()));
    expect(error.code).toBe('SHA_NOT_ON_REF');
    expect(error.message).toContain(`commit ${sha()} is not on ref "main" of repository "${repo}"`);
  });

  it.each([
    ['an unknown ref', 'nope', null, 'REF_NOT_FOUND', 'ref "nope" not found in repository'],
    [
      'an unknown sha',
      'main',
      'deadbeefdeadbeef',
      'COMMIT_NOT_FOUND',
      'commit deadbeefdeadbeef is not on ref "main" of repository',
    ],
    ['a ref that looks like an option', '--all', null, 'INVALID_REF', 'ref "--all" is not a valid git ref name'],
    ['a revision expression', 'main~1', null, 'INVALID_REF', 'ref "main~1" is not a valid git ref name'],
    ['a range', 'main..side', null, 'INVALID_REF', 'not a valid git ref name'],
    ['a sha that is no hex', 'main', '--all', 'COMMIT_NOT_FOUND', 'is not a hex commit id'],
  ])('reports %s', async (_what, ref, sha, code, message) => {
    const error = await failure(source.resolveCommit(repo, ref, sha));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('reports a path that is no repository', async () => {
    const error = await failure(source.resolveCommit(join(dir, 'nothing-here'), 'main', null));
    expect(error.code).toBe('REPOSITORY_UNREADABLE');
    expect(error.message).toContain('cannot read repository');
  });

  it('reports a commit without the pipeline file', async () => {
    const error = await failure(source.readPipelineFile(repo, withoutPipeline));
    expect(error.code).toBe('PIPELINE_FILE_MISSING');
    expect(error.message).toContain('.gantry.yml not found');
  });
});

describe('a repository given as a URL', () => {
  const work = join(dir, 'work');
  const origin = join(dir, 'origin.git');
  const url = `file://${origin}`;
  const fetches: string[] = [];
  const source = createGitSource({
    allow: localRepositories,
    cacheDir: join(dir, 'cache-url'),
    onFetch: (fetched) => fetches.push(fetched),
  });
  let first: string;

  const push = (content: string) => {
    writeFileSync(join(work, '.gantry.yml'), content);
    git(work, 'add', '.');
    git(work, 'commit', '-qm', content);
    git(work, 'push', '-q', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  };

  beforeAll(() => {
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    execFileSync('git', ['init', '-q', '-b', 'main', work]);
    git(work, 'remote', 'add', 'origin', origin);
    first = push('name: one\n');
  });

  it('builds what the ref points at when asked, fetching every time', async () => {
    expect(await source.resolveCommit(url, 'main', null)).toBe(first);
    expect((await source.readPipelineFile(url, first)).text).toBe('name: one\n');
    expect(fetches).toHaveLength(1);
    const second = push('name: two\n');
    expect(await source.resolveCommit(url, 'main', null)).toBe(second);
    expect((await source.readPipelineFile(url, second)).text).toBe('name: two\n');
    expect(await source.resolveCommit(url, 'main', first)).toBe(first);
    expect(fetches).toHaveLength(3);
  });

  it('lets triggers that arrive during a fetch share the next one', async () => {
    const before = fetches.length;
    const latest = push('name: three\n');
    const resolved = await Promise.all([
      source.resolveCommit(url, 'main', null),
      source.resolveCommit(url, 'main', null),
      source.resolveCommit(url, 'main', null),
    ]);
    expect(resolved).toEqual([latest, latest, latest]);
    expect(fetches.length - before).toBe(2);
  });

  it('lets another controller read a commit it has not fetched yet', async () => {
    const elsewhere = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'cache-other') });
    expect((await elsewhere.readPipelineFile(url, first)).text).toBe('name: one\n');
  });

  it('reports an origin that cannot be read, in git words', async () => {
    const error = await failure(source.resolveCommit(`file://${join(dir, 'no-such-origin.git')}`, 'main', null));
    expect(error.code).toBe('REPOSITORY_UNREADABLE');
    expect(error.message).toContain(`cannot read repository "file://${join(dir, 'no-such-origin.git')}"`);
  });
});

describe('a branch and a tag of the same name', () => {
  // main: one ← two ← three; the tag `main` points at `elsewhere`, a commit off the branch, and a tag named
  // like one's abbreviated id points at two.
  const repo = join(dir, 'same-name');
  const source = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'cache-same-name') });
  let one: string;
  let two: string;
  let three: string;
  let elsewhere: string;

  beforeAll(() => {
    [one, two, three] = repositoryWithCommits(repo, 'one', ['one', 'two', 'three']) as [string, string, string];
    elsewhere = git(repo, 'commit-tree', '-p', one, '-m', 'elsewhere', `${one}^{tree}`);
    git(repo, 'tag', 'main', elsewhere);
    git(repo, 'tag', one.slice(0, 8), two);
  });

  it('refuses the short name, naming both full names', async () => {
    const message = 'ref "main" is ambiguous: both a branch and a tag; give refs/heads/main or refs/tags/main';
    for (const sha of [null, one]) {
      const error = await failure(source.resolveRef(repo, 'main', sha));
      expect(error.code).toBe('INVALID_REF');
      expect(error.message).toBe(message);
    }
    expect((await failure(source.resolveCommit(repo, 'main', null))).message).toBe(message);
    expect((await failure(source.qualifyRef(repo, 'main'))).code).toBe('INVALID_REF');
  });

  it('resolves each full name to its own commit and names it in full', async () => {
    expect(await source.resolveRef(repo, 'refs/heads/main', null)).toEqual({ sha: three, fullRef: 'refs/heads/main' });
    expect(refKindOf('refs/heads/main', 'refs/heads/main')).toEqual({ kind: 'branch', name: 'main' });
    expect(await source.resolveRef(repo, 'refs/tags/main', null)).toEqual({
      sha: elsewhere,
      fullRef: 'refs/tags/main',
    });
    expect(refKindOf('refs/tags/main', 'refs/tags/main')).toEqual({ kind: 'tag', name: 'main' });
    expect(await source.qualifyRef(repo, 'refs/tags/main')).toBe('refs/tags/main');
    expect((await failure(source.resolveRef(repo, 'refs/heads/nope', null))).code).toBe('REF_NOT_FOUND');
  });

  it('builds the commit an abbreviated sha names, not a tag of that name', async () => {
    for (const sha of [one.slice(0, 8), one.slice(0, 8).toUpperCase()]) {
      expect(await source.resolveRef(repo, 'refs/heads/main', sha)).toEqual({ sha: one, fullRef: 'refs/heads/main' });
    }
    // The tag itself is still a ref one may build, by its name.
    expect(await source.resolveRef(repo, one.slice(0, 8), null)).toEqual({
      sha: two,
      fullRef: `refs/tags/${one.slice(0, 8)}`,
    });
  });

  it('still resolves a short branch, a short tag and an abbreviated commit id given as the ref', async () => {
    git(repo, 'branch', 'side', two);
    git(repo, 'tag', 'v1', one);
    expect(await source.resolveRef(repo, 'side', null)).toEqual({ sha: two, fullRef: 'refs/heads/side' });
    expect(await source.resolveRef(repo, 'v1', null)).toEqual({ sha: one, fullRef: 'refs/tags/v1' });
    expect(await source.resolveRef(repo, 'HEAD', null)).toEqual({ sha: three, fullRef: 'refs/heads/main' });
    expect(await source.resolveRef(repo, three.slice(0, 10), null)).toEqual({ sha: three, fullRef: null });
  });
});

describe('resolving a trigger of a ref', () => {
  // main: base ← head; annotated tag `release` on head, and `re-release`, an annotated tag of that tag.
  const repo = join(dir, 'peeled');
  const source = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'cache-peeled') });
  const wrapper = join(dir, 'git-wrapper');
  const calls = join(dir, 'git-calls.log');
  const path = process.env.PATH;
  let base: string;
  let head: string;

  beforeAll(() => {
    [base, head] = repositoryWithCommits(repo, 'peeled', ['base', 'head']) as [string, string];
    git(repo, 'tag', '-a', '-m', 'release', 'release', head);
    git(repo, 'tag', '-a', '-m', 'again', 're-release', 'release');
    // Every git the source starts from here on is logged, then run.
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    mkdirSync(wrapper);
    writeFileSync(join(wrapper, 'git'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    process.env.PATH = `${wrapper}:${path}`;
  });
  afterAll(() => {
    process.env.PATH = path;
  });

  /** The git commands (their first word that names one) that `resolve` started. */
  async function gitCommandsOf(resolve: () => Promise<unknown>): Promise<string[]> {
    writeFileSync(calls, '');
    await resolve();
    const known = ['for-each-ref', 'cat-file', 'merge-base', 'rev-parse', 'symbolic-ref'];
    return readFileSync(calls, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' ').find((word) => known.includes(word)) ?? line);
  }

  it("answers a trigger of a branch's or an annotated tag's head with the one git that qualifies the ref", async () => {
    expect(await gitCommandsOf(() => source.resolveRef(repo, 'main', null))).toEqual(['for-each-ref']);
    expect(await gitCommandsOf(() => source.resolveRef(repo, 'main', head))).toEqual(['for-each-ref']);
    expect(await gitCommandsOf(() => source.resolveRef(repo, 'main', head.toUpperCase()))).toEqual(['for-each-ref']);
    expect(await gitCommandsOf(() => source.resolveRef(repo, 'release', null))).toEqual(['for-each-ref']);
    expect(await source.resolveRef(repo, 'main', head.toUpperCase())).toEqual({
      sha: head,
      fullRef: 'refs/heads/main',
    });
    expect(await source.resolveRef(repo, 'release', null)).toEqual({ sha: head, fullRef: 'refs/tags/release' });
  });

  it('looks further only for what the ref lookup cannot answer: an older sha, a tag of a tag', async () => {
    expect(await gitCommandsOf(() => source.resolveRef(repo, 'main', base))).toEqual([
      'for-each-ref',
      'cat-file',
      'merge-base',
    ]);
    expect(await source.resolveRef(repo, 'main', base.slice(0, 10))).toEqual({ sha: base, fullRef: 'refs/heads/main' });
    expect(await gitCommandsOf(() => source.resolveRef(repo, 're-release', null))).toEqual([
      'for-each-ref',
      'cat-file',
    ]);
    expect(await source.resolveRef(repo, 're-release', null)).toEqual({ sha: head, fullRef: 'refs/tags/re-release' });
    const error = await failure(
      source.resolveRef(
        repo,
        'release',
        base.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      ),
    );
    expect(error.code).toBe('COMMIT_NOT_FOUND');
  });
});
