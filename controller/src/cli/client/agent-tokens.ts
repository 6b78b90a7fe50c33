/**
 * `gantry agent-token create|list|revoke` (admin): enrolment tokens agents
 * present once (`gantry agent --token`) to receive their own credentials.
 * `create` prints the token alone on stdout, so `$(gantry agent-token create …)`
 * captures it; it is shown this once.
 */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  printJson,
  printList,
  runClientCommand,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp } from './format.js';

interface ConnectionAndJson {
  url?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  json: boolean;
}

export function registerAgentTokens<T>(yargs: Argv<T>, context: CommandContext) {
  return yargs.command('agent-token', 'create, list and revoke agent enrolment tokens (admin)', (command) =>
    command
      .command(
        'create',
        'create an enrolment token; prints the token, shown only this once',
        (create) =>
          withJson(withConnection(create))
            .option('queue', {
              type: 'string',
              array: true,
              requiresArg: true,
              describe: 'a queue agents enrolled with it may serve; repeat for several (default: any queue)',
            })
            .option('expires-in', {
              type: 'string',
              demandOption: true,
              requiresArg: true,
              describe: 'how long it may be used to enrol, e.g. 1h or 7d (at most 365d)',
            })
            .option('uses', { type: 'number', requiresArg: true, describe: 'how many agents may enrol with it' }),
        async (args) => createAgentToken(args, context),
      )
      .command(
        'list',
        'list the enrolment tokens: id, queues, uses left, expiry; never a secret',
        (list) => withJson(withConnection(list)),
        async (args) => listAgentTokens(args, context),
      )
      .command(
        'revoke <id>',
        'revoke an enrolment token (agents enrolled with it keep their credentials)',
        (revoke) => withJson(withConnection(revoke)).positional('id', { type: 'string', describe: "the token's id" }),
        async (args) => revokeAgentToken(args, context),
      )
      .demandCommand(1, 'name an agent-token command: create, list or revoke'),
  );
}

async function createAgentToken(
  args: ConnectionAndJson & { queue?: string[] | undefined; expiresIn: string; uses?: number | undefined },
  { io, options, exit }: CommandContext,
) {
  exit(
    await runClientCommand(io, async () => {
      const created = await connect(args, io, options).createAgentToken({
        expiresIn: args.expiresIn,
        ...(args.queue === undefined ? {} : { queues: args.queue }),
        ...(args.uses === undefined ? {} : { uses: args.uses }),
      });
      if (args.json) {
        printJson(io, created);
        return 0;
      }
      io.stdout(`${created.token}\n`);
      const queues = created.queues.length > 0 ? `queues ${created.queues.join(', ')}` : 'any queue';
      const uses = created.usesLeft === null ? 'any number of agents' : `${created.usesLeft} agent(s)`;
      io.stderr(
        `enrolment token ${created.id} for ${queues}, ${uses}, until ${formatTimestamp(created.expiresAt)}; it is not shown again\n`,
      );
      return 0;
    }),
  );
}

async function listAgentTokens(args: ConnectionAndJson, { io, options, exit }: CommandContext) {
  exit(
    await runClientCommand(io, async () => {
      const { tokens } = await connect(args, io, options).listAgentTokens();
      const rows = tokens.map((token) => [
        token.id,
        token.queues.length > 0 ? token.queues.join(',') : '(any)',
        token.usesLeft === null ? 'unlimited' : String(token.usesLeft),
        formatTimestamp(token.expiresAt),
        token.createdBy,
      ]);
      return printList(io, {
        json: args.json,
        document: { tokens },
        empty: 'no enrolment tokens (only the standing GANTRY_AGENT_TOKEN)',
        header: ['ID', 'QUEUES', 'USES LEFT', 'EXPIRES', 'CREATED BY'],
        rows,
      });
    }),
  );
}

async function revokeAgentToken(args: ConnectionAndJson & { id?: string | undefined }, context: CommandContext) {
  const { io, options, exit } = context;
  exit(
    await runClientCommand(io, async () => {
      const id = args.id ?? '';
      const answer = await connect(args, io, options).revokeAgentToken(id);
      if (args.json) printJson(io, answer);
      else io.stdout(`revoked enrolment token ${id}\n`);
      return 0;
    }),
  );
}
