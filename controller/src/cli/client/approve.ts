/** `gantry approve` / `gantry reject`: decide on a stage waiting for approval. */
import { parseArgs } from 'node:util';
import {
  type ClientOptions,
  connect,
  connectionHelp,
  connectionOptions,
  runClientCommand,
  UsageError,
} from './command.js';
import type { CliIo } from './io.js';

type Decision = 'approve' | 'reject';

const pastTense: Record<Decision, string> = { approve: 'approved', reject: 'rejected' };

function usageOf(decision: Decision): string {
  return `usage: gantry ${decision} RUN_ID --stage NAME [--comment TEXT]

${decision === 'approve' ? 'Approve' : 'Reject'} a stage that waits for approval.
  --stage NAME     the stage, as named in .gantry.yml
  --comment TEXT   recorded with the decision in the audit log
${connectionHelp}`;
}

export async function approveCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return decideStage('approve', args, io, options);
}

export async function rejectCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return decideStage('reject', args, io, options);
}

async function decideStage(decision: Decision, args: string[], io: CliIo, options: ClientOptions): Promise<number> {
  return runClientCommand(args, io, usageOf(decision), async () => {
    const { values, positionals } = parseArgs({
      args,
      options: { ...connectionOptions, stage: { type: 'string' }, comment: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [runId, ...extra] = positionals;
    if (runId === undefined) throw new UsageError('RUN_ID is required');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (values.stage === undefined || values.stage === '') throw new UsageError('--stage is required');
    const api = connect(values, io, options);

    const answer = await api.decideStage(runId, values.stage, decision, values.comment);
    const status = statusAfterDecision(answer, values.stage);
    const suffix = status === undefined ? '' : ` (stage is now ${status})`;
    io.stdout(`${pastTense[decision]} stage "${values.stage}" of run ${runId}${suffix}\n`);
    return 0;
  });
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
