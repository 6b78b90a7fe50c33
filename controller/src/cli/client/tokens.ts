/**
 * `gantry token create|list|revoke` (admin): API identities with roles.
 * `create` prints the token alone on stdout, so `$(gantry token create …)`
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

export function registerTokens<T>(yargs: Argv<T>, context: CommandContext) {
  return yargs.command('token', 'create, list and revoke API tokens (admin)', (command) =>
    command
      .command(
        'create',
        'create a token with roles; prints the token, shown only this once',
        (create) =>
          withJson(withConnection(create))
            .option('name', {
              type: 'string',
              demandOption: true,
              requiresArg: true,
              describe: 'who the token is for: a-z, 0-9, ".", "_", "-"; at most 64',
            })
            .option('role', {
              type: 'string',
              array: true,
              demandOption: true,
              requiresArg: true,
              describe:
                'read, trigger, approve or admin (admin implies all), or a custom group (e.g. release) a gate can name as role:NAME; repeat for several',
            })
            .option('email', { type: 'string', requiresArg: true, describe: "the holder's e-mail address" })
            .option('expires-in', { type: 'string', requiresArg: true, describe: 'e.g. 90d or 12h (default: never)' }),
        async (args) => createToken(args, context),
      )
      .command(
        'list',
        'list the tokens: names, roles, e-mails, created, last used, expiry',
        (list) => withJson(withConnection(list)),
        async (args) => listTokens(args, context),
      )
      .command(
        'revoke <name>',
        'revoke a token at once',
        (revoke) =>
          withJson(withConnection(revoke)).positional('name', { type: 'string', describe: "the token's name" }),
        async (args) => revokeToken(args, context),
      )
      .demandCommand(1, 'name a token command: create, list or revoke'),
  );
}

interface ConnectionAndJson {
  url?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  json: boolean;
}

async function createToken(
  args: ConnectionAndJson & {
    name: string;
    role: string[];
    email?: string | undefined;
    expiresIn?: string | undefined;
  },
  { io, options, exit }: CommandContext,
) {
  exit(
    await runClientCommand(io, async () => {
      const created = await connect(args, io, options).createToken({
        name: args.name,
        roles: args.role,
        ...(args.email === undefined ? {} : { email: args.email }),
        ...(args.expiresIn === undefined ? {} : { expiresIn: args.expiresIn }),
      });
      if (args.json) {
        printJson(io, created);
        return 0;
      }
      io.stdout(`${created.token}\n`);
      io.stderr(`token for ${created.name} (${created.roles.join(', ')}); it is not shown again\n`);
      return 0;
    }),
  );
}

async function listTokens(args: ConnectionAndJson, { io, options, exit }: CommandContext) {
  exit(
    await runClientCommand(io, async () => {
      const { tokens } = await connect(args, io, options).listTokens();
      const rows = tokens.map((token) => [
        token.name,
        token.roles.join(','),
        token.email ?? '-',
        formatTimestamp(token.createdAt),
        formatTimestamp(token.lastUsedAt),
        token.expiresAt === null ? 'never' : formatTimestamp(token.expiresAt),
      ]);
      return printList(io, {
        json: args.json,
        document: { tokens },
        empty: 'no tokens (only the bootstrap admin token)',
        header: ['NAME', 'ROLES', 'EMAIL', 'CREATED', 'LAST USED', 'EXPIRES'],
        rows,
      });
    }),
  );
}

async function revokeToken(args: ConnectionAndJson & { name?: string | undefined }, context: CommandContext) {
  const { io, options, exit } = context;
  exit(
    await runClientCommand(io, async () => {
      const name = args.name ?? '';
      const answer = await connect(args, io, options).revokeToken(name);
      if (args.json) printJson(io, answer);
      else io.stdout(`revoked token ${name}\n`);
      return 0;
    }),
  );
}
