/**
 * Bash's own variables, which a pooled shell cannot export as given (read-only,
 * or acting on the shell itself): an attempt that sets one gets a shell of its
 * own, started with its environment as is.
 */
const bashOwnVariables = new Set([
  'EUID',
  'UID',
  'PPID',
  'SHELLOPTS',
  'POSIXLY_CORRECT',
  'IFS',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'CDPATH',
  'ENV',
  'GROUPS',
  'RANDOM',
  'SRANDOM',
  'SECONDS',
  'LINENO',
  'HISTCMD',
  'FUNCNAME',
  'DIRSTACK',
  'EPOCHSECONDS',
  'EPOCHREALTIME',
  '_',
]);

/** Whether a pooled shell can export this variable exactly: a plain name that is not one of bash's own. */
export function exportable(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !name.startsWith('BASH') && !bashOwnVariables.has(name);
}
