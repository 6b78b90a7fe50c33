/** Secrets given as files (GANTRY_ADMIN_TOKEN_FILE, GANTRY_TOKEN_FILE, …), so they stay out of `ps` and shell history. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Secrets are tokens and URLs; anything larger is the wrong file. */
export const maxSecretFileBytes = 64 * 1024;

/** The file cannot be used as a secret: missing, unreadable, empty or too large. */
export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
  readonly code = 'SECRET_FILE_INVALID';
}

/** Reads the file's contents without one trailing newline (`\n` or `\r\n`), as `echo token > file` writes it. */
export function readSecretFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SecretFileError(`cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxSecretFileBytes) throw new SecretFileError(`"${path}" is larger than ${maxSecretFileBytes} bytes`);
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    const value = buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (value === '') throw new SecretFileError(`"${path}" is empty`);
    return value;
  } finally {
    closeSync(fd);
  }
}
