/**
 * What a CLI command may touch of the outside world, injected so tests can
 * drive commands in-process.
 *
 * - `env`: the only source of configuration (`GANTRY_URL`, `GANTRY_TOKEN`).
 * - `stdout` / `stderr`: raw writes; commands end every line with "\n" themselves
 *   (wire them to `process.stdout.write`, not `console.log`).
 * - `signal`: aborted on Ctrl-C; in-flight requests and `--follow` polling stop.
 */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  signal?: AbortSignal;
}
