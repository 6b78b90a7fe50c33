/**
 * Checks that the repository cache holds the true objects of a commit: the
 * commit, every tree and every blob of its tree hash to their names. A job
 * can write into the cache (it runs as the agent's user) and git does not
 * re-hash objects when it checks them out, so a snapshot is built from the
 * cache only after this check. It reads each object once, through one
 * `git cat-file --batch`: about what the checkout itself reads, and only
 * when a snapshot is built, never per job.
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { runGit } from './run-git.js';

/** Undefined when every object of `sha` in `gitDir` is intact; else the first bad object. */
export async function findCorruptObject(
  gitDir: string,
  sha: string,
  env: Record<string, string>,
): Promise<string | undefined> {
  let listed: string;
  try {
    listed = (await runGit(['-C', gitDir, 'rev-list', '--objects', '--no-object-names', '-n', '1', sha], { env }))
      .stdout;
  } catch (error) {
    return `unreadable objects of ${sha}: ${(error as Error).message}`;
  }
  const oids = listed.split('\n').filter((line) => line.length > 0);
  if (!oids.includes(sha)) return `commit ${sha} not listed`;
  return hashEveryObject(gitDir, oids, env);
}

/** Streams the objects through `cat-file --batch` and re-hashes each one. */
function hashEveryObject(gitDir: string, oids: string[], env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', gitDir, 'cat-file', '--batch'], {
      env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let index = 0;
    let pending: Buffer = Buffer.alloc(0);
    // The object being read: its hash so far and the bytes still to come.
    let current: { oid: string; hash: Hash; remaining: number } | undefined;
    let problem: string | undefined;
    const fail = (message: string) => {
      problem ??= message;
      child.kill();
    };
    child.stdout.on('data', (data: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, data]) : data;
      while (problem === undefined) {
        if (current) {
          const take = Math.min(current.remaining, pending.length);
          current.hash.update(pending.subarray(0, take));
          current.remaining -= take;
          pending = pending.subarray(take);
          if (current.remaining > 0 || pending.length === 0) return;
          // The newline after the content.
          pending = pending.subarray(1);
          if (current.hash.digest('hex') !== current.oid) fail(`object ${current.oid} does not match its name`);
          current = undefined;
          index++;
          continue;
        }
        const newline = pending.indexOf(10);
        if (newline < 0) return;
        const [oid = '', type = '', size = ''] = pending.subarray(0, newline).toString().split(' ');
        pending = pending.subarray(newline + 1);
        if (oid !== oids[index] || !/^\d+$/.test(size)) {
          fail(`object ${oids[index]} is missing`);
          return;
        }
        const hash = createHash(oid.length === 64 ? 'sha256' : 'sha1').update(`${type} ${size}\0`);
        current = { oid, hash, remaining: Number(size) };
      }
    });
    child.once('error', reject);
    child.once('close', () => {
      if (problem === undefined && index < oids.length) problem = `object ${oids[index]} is missing`;
      resolve(problem);
    });
    child.stdin.on('error', () => {}); // killed early: the problem is known
    child.stdin.end(`${oids.join('\n')}\n`);
  });
}
