/**
 * `gantry artifacts RUN [--download DIR]`: the files a run's jobs kept, with
 * sizes and SHA-256 digests; `--download` fetches each (the latest attempt of
 * each job) into DIR at its relative path and checks its digest.
 */
import type { Argv } from 'yargs';
import { ArtifactDownloadError, downloadVerified, latestOfEachJob } from './artifact-download.js';
import {
  type CommandContext,
  connect,
  exitCodes,
  printJson,
  printList,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';

export function registerArtifacts<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'artifacts <run>',
    "list a run's artifacts, or download them with --download DIR",
    (command) =>
      withJson(withConnection(command))
        .positional('run', { type: 'string', describe: "the run's id" })
        .option('download', {
          type: 'string',
          requiresArg: true,
          describe: 'fetch the files into this directory, checking each SHA-256',
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          if (!args.run) throw new UsageError('RUN is required');
          const api = connect(args, io, options);
          const { artifacts, truncated = false } = await api.listArtifacts(args.run);
          const cut = `run ${args.run} kept more files than the API lists at once (${artifacts.length})`;
          if (args.download !== undefined) {
            if (args.download === '') throw new UsageError('--download needs a directory');
            // The latest attempt of a job may be among the files not listed: nothing would be the right set.
            if (truncated) {
              io.stderr(`error: ${cut}; download them per file through the API\n`);
              return exitCodes.failure;
            }
            try {
              const chosen = latestOfEachJob(artifacts);
              for (const artifact of chosen) {
                const url = await api.artifactDownloadUrl(args.run, artifact.id);
                const target = await downloadVerified(url, args.download, artifact, io.signal);
                if (!args.json) io.stdout(`${target}: ${artifact.size} bytes, sha256 ${artifact.sha256} verified\n`);
              }
              if (args.json) printJson(io, { artifacts: chosen });
              return 0;
            } catch (error) {
              if (!(error instanceof ArtifactDownloadError)) throw error;
              io.stderr(`error: ${error.message}\n`);
              return exitCodes.failure;
            }
          }
          const rows = artifacts.map((artifact) => [
            artifact.path,
            artifact.jobName,
            String(artifact.attempt),
            String(artifact.size),
            artifact.sha256,
          ]);
          if (truncated && !args.json) io.stderr(`warning: ${cut}; the first are shown\n`);
          return printList(io, {
            json: args.json,
            document: { artifacts, truncated },
            empty: 'no artifacts',
            header: ['PATH', 'JOB', 'ATTEMPT', 'BYTES', 'SHA256'],
            rows,
          });
        }),
      );
    },
  );
}
