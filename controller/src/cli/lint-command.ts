/**
 * `gantry lint [FILE]`: checks a pipeline file on this machine, with no
 * controller. Exit 1 with every problem (`FILE:LINE:COL: PATH: MESSAGE`,
 * suggestions included) on stderr; exit 0 with the stages and jobs the file
 * would run on stdout; exit 2 when the file cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { DEFAULT_PIPELINE_LIMITS, formatPipelineProblems, parsePipeline } from '../pipeline/index.js';
import { type CommandContext, exitCodes, printJson, withJson } from './client/command.js';
import type { CliIo } from './client/io.js';
import { describePipeline } from './lint-summary.js';

export function registerLint<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'lint [file]',
    'check a pipeline file locally (default .gantry.yml); no controller needed',
    (command) =>
      withJson(command).positional('file', {
        type: 'string',
        default: '.gantry.yml',
        describe: 'the pipeline file to check',
      }),
    async (args) => {
      exit(await lintFile(args.file, args.json, io, options.cwd ?? process.cwd()));
    },
  );
}

export async function lintFile(file: string, json: boolean, io: CliIo, cwd: string): Promise<number> {
  let text: string;
  try {
    // Read at most one byte past the limit the controller applies, so a huge file is refused, not loaded.
    const bytes = await readFile(resolve(cwd, file));
    text = bytes.subarray(0, DEFAULT_PIPELINE_LIMITS.maxPipelineBytes + 1).toString('utf8');
  } catch (error) {
    io.stderr(`gantry lint: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return exitCodes.usage;
  }
  const parsed = parsePipeline(text);
  if (json) {
    printJson(io, parsed.ok ? { ok: true, pipeline: parsed.pipeline } : { ok: false, problems: parsed.problems });
    return parsed.ok ? exitCodes.ok : exitCodes.failure;
  }
  if (!parsed.ok) {
    io.stderr(`${formatPipelineProblems(parsed.problems, file)}\n`);
    const count = parsed.problems.length;
    io.stderr(`${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
    return exitCodes.failure;
  }
  io.stdout(`${describePipeline(parsed.pipeline, file).join('\n')}\n`);
  return exitCodes.ok;
}
