/** `gantry approve` / `gantry reject`: decide on a stage waiting for approval. */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  printJson,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';

type Decision = 'approve' | 'reject';

const pastTense: Record<Decision, string> = { approve: 'approved', reject: 'rejected' };

/** Registers `approve` and `reject`. */
export function registerStageDecisions<T>(yargs: Argv<T>, context: CommandContext) {
  return registerDecision(registerDecision(yargs, 'approve', context), 'reject', context);
}

function registerDecision<T>(yargs: Argv<T>, decision: Decision, { io, options, exit }: CommandContext) {
  return yargs.command(
    `${decision} <run>`,
    `${decision} a stage that waits for approval`,
    (command) =>
      withJson(withConnection(command))
        .positional('run', { type: 'string', describe: "the run's id" })
        .option('stage', {
          type: 'string',
          demandOption: true,
          requiresArg: true,
          describe: 'the stage, as named in .gantry.yml',
        })
        .option('comment', {
          type: 'string',
          requiresArg: true,
          describe: 'recorded with the decision in the audit log',
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const runId = args.run;
          if (!runId) throw new UsageError('RUN is required');
          if (args.stage === '') throw new UsageError('--stage must not be empty');
          const api = connect(args, io, options);
          const answer = await api.decideStage(runId, args.stage, decision, args.comment);
          if (args.json) {
            printJson(io, answer);
            return 0;
          }
          const status = statusAfterDecision(answer, args.stage);
          const suffix = status === undefined ? '' : ` (stage is now ${status})`;
          io.stdout(`${pastTense[decision]} stage "${args.stage}" of run ${runId}${suffix}\n`);
          return 0;
        }),
      );
    },
  );
}

/**
 * The stage's status in the answer, when it says: the answer may be the run
 * (its `stages`), `{ stage }`, or the stage itself. Anything else (e.g. an
 * approval that still needs more approvers) prints no status.
 */
function statusAfterDecision(answer: unknown, stageName: string): string | undefined {
  if (!isRecord(answer)) return undefined;
  if (Array.isArray(answer.stages)) {
    return statusAfterDecision(
      answer.stages.find((stage: unknown) => isRecord(stage) && stage.name === stageName),
      stageName,
    );
  }
  if (isRecord(answer.stage)) return statusAfterDecision(answer.stage, stageName);
  return answer.name === stageName && typeof answer.status === 'string' ? answer.status : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
