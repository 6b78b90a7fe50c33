/**
 * One cache as one compressed archive, made and read by the system `tar`
 * (GNU tar; zstd when the `zstd` program is installed, else gzip). Entries are
 * stored under `workspace/` or `home/`, symlinks as symlinks. Paths of both
 * roots go in as two tar streams, each compressed on its own, one after the
 * other in the file (both formats allow concatenated frames); extraction
 * reads them as one with --ignore-zeros.
 */
import { open } from 'node:fs/promises';
import { startChild } from '@gantry/common';
import type { CacheRoot } from './cache-paths.js';

export type CacheFormat = 'tar+zstd' | 'tar+gzip';

export class CacheArchiveError extends Error {
  override readonly name = 'CacheArchiveError';
}

let detected: Promise<CacheFormat> | undefined;

/** zstd when the agent host has it (checked once), else gzip. */
export function archiveFormat(): Promise<CacheFormat> {
  detected ??= runProgram('zstd', ['--version']).then(
    () => 'tar+zstd' as const,
    () => 'tar+gzip' as const,
  );
  return detected;
}

export interface ArchiveGroup {
  root: CacheRoot;
  rootDir: string;
  /** Relative to rootDir; each must exist. */
  paths: string[];
}

/** Writes `groups` into `file` (created anew). */
export async function createCacheArchive(
  file: string,
  format: CacheFormat,
  groups: readonly ArchiveGroup[],
): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    for (const group of groups) {
      if (group.paths.length === 0) continue;
      await runProgram(
        'tar',
        [
          '-c',
          compressionFlag(format),
          '-f',
          '-',
          '-C',
          group.rootDir,
          `--transform=s,^,${group.root}/,S`,
          '--',
          ...group.paths,
        ],
        handle.fd,
      );
    }
  } finally {
    await handle.close();
  }
}

/** Extracts `file` into `directory` (which then holds `workspace/…` and `home/…`). */
export async function extractCacheArchive(file: string, format: CacheFormat, directory: string): Promise<void> {
  await runProgram('tar', [
    '-x',
    compressionFlag(format),
    '--ignore-zeros',
    '--no-same-owner',
    '-f',
    file,
    '-C',
    directory,
  ]);
}

function compressionFlag(format: CacheFormat): string {
  return format === 'tar+zstd' ? '--zstd' : '--gzip';
}

/** Runs a program to its end; rejects with CacheArchiveError quoting its error output unless it exits 0. */
async function runProgram(command: string, args: string[], stdout?: number): Promise<void> {
  const child = startChild(command, args, { stdio: ['ignore', stdout ?? 'ignore', 'pipe'] });
  const errors: Buffer[] = [];
  let kept = 0;
  child.process.stderr?.on('data', (chunk: Buffer) => {
    if (kept < 4096) errors.push(chunk);
    kept += chunk.length;
  });
  await child.exited;
  const reason = child.exitReason();
  if (reason !== 'code 0') {
    const output = Buffer.concat(errors).toString('utf8').trim().slice(0, 2000);
    throw new CacheArchiveError(`${command} failed (${reason})${output ? `: ${output}` : ''}`);
  }
}
