/**
 * What a CLI command may touch of the outside world, injected so tests can
 * drive commands in-process.
 *
 * - `env`: the only source of configuration (`GANTRY_URL`, `GANTRY_TOKEN`, `NO_COLOR`).
 * - `stdout` / `stderr`: raw writes; commands end every line with "\n" themselves
 *   (wire them to `process.stdout.write`, not `console.log`).
 * - `writeBytes`: raw output with backpressure (a log of any size); resolves
 *   once the bytes may be written again. Without it bytes go through `stdout`.
 * - `color`: whether to colour statuses (stdout is a terminal and NO_COLOR is unset).
 * - `terminal`: stdout is a terminal: output may be redrawn in place (`--follow`'s board), and job
 *   output is filtered of control sequences first.
 * - `signal`: aborted on Ctrl-C; in-flight requests and `--follow` polling stop.
 * - `readStdin`: the whole of standard input, up to `maxBytes` (more rejects); `stdinIsTerminal` says
 *   whether a person types it (a prompt is then shown).
 */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  writeBytes?: (chunk: Uint8Array) => Promise<void>;
  color?: boolean;
  terminal?: boolean;
  signal?: AbortSignal;
  readStdin?: (maxBytes: number) => Promise<string>;
  stdinIsTerminal?: boolean;
}

/** The real process: colour only on a terminal and only without NO_COLOR (https://no-color.org). */
export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    writeBytes: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (process.stdout.write(chunk)) return resolve();
        const onDrain = () => {
          process.stdout.off('error', onError);
          resolve();
        };
        const onError = (error: Error) => {
          process.stdout.off('drain', onDrain);
          reject(error);
        };
        process.stdout.once('drain', onDrain);
        process.stdout.once('error', onError);
      }),
    color: colorWanted(process.env, process.stdout.isTTY === true),
    terminal: process.stdout.isTTY === true,
    readStdin: readProcessStdin,
    stdinIsTerminal: process.stdin.isTTY === true,
  };
}

async function readProcessStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      process.stdin.destroy();
      throw new Error(`standard input is over ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything but "". */
export function colorWanted(env: Record<string, string | undefined>, stdoutIsTty: boolean): boolean {
  return stdoutIsTty && (env.NO_COLOR ?? '') === '';
}
