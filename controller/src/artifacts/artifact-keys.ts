/**
 * Object keys in the artifact store and the checks on artifact paths. An
 * attempt's files live under `runs/<runId>/jobs/<jobId>/attempts/<n>/`, so
 * two attempts never share a key; archived logs under `logs/`.
 */

/** Longest workspace-relative artifact path accepted, in bytes. */
export const MAX_ARTIFACT_PATH_BYTES = 1024;

export function artifactKey(runId: string, jobId: string, attempt: number, path: string): string {
  return `${attemptPrefix(runId, jobId, attempt)}${path}`;
}

export function attemptPrefix(runId: string, jobId: string, attempt: number): string {
  return `runs/${runId}/jobs/${jobId}/attempts/${attempt}/`;
}

/**
 * Why `path` cannot name an artifact, or null when it can: it must be
 * relative, `/`-separated and normalised (no empty, `.` or `..` segments),
 * without control characters or backslashes, and at most 1024 bytes.
 */
export function artifactPathProblem(path: string): string | null {
  if (path === '') return 'artifact path is empty';
  if (Buffer.byteLength(path) > MAX_ARTIFACT_PATH_BYTES) {
    return `artifact path is over ${MAX_ARTIFACT_PATH_BYTES} bytes`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return `artifact path "${path}" has a control character or backslash`;
  if (path.startsWith('/')) return `artifact path "${path}" is absolute`;
  const segments = path.split('/');
  if (segments.includes('..')) return `artifact path "${path}" leaves the workspace ("..")`;
  if (segments.some((segment) => segment === '' || segment === '.')) {
    return `artifact path "${path}" is not normalised`;
  }
  return null;
}

/**
 * Key of one archiving of an attempt's log. `writer` (random per archiving)
 * keeps two controllers that archive the same attempt at once from writing
 * the same object: one of them may have read the rows after the other deleted
 * them, and only the archive recorded first is ever read.
 */
export function logArchiveKey(runId: string, jobId: string, attempt: number, writer: string): string {
  return `logs/${runId}/${jobId}/${attempt}-${writer}.log.gz`;
}

/** A pack of short logs archived together (log_archives records where each lies); `writer` makes it unique. */
export function logPackKey(writer: string): string {
  return `logs/packs/${writer}.log.gz`;
}
