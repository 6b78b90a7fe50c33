/** `gantry whoami`: the identity and roles of the token the CLI presents. */
import type { Argv } from 'yargs';
import { type CommandContext, connect, printJson, runClientCommand, withConnection, withJson } from './command.js';

export function registerWhoami<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'whoami',
    'show the name, roles and e-mail of the token in use',
    (command) => withJson(withConnection(command)),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const identity = await connect(args, io, options).whoami();
          if (args.json) printJson(io, identity);
          else {
            const email = identity.email === null ? '' : ` <${identity.email}>`;
            io.stdout(`${identity.name}${email}\nroles: ${identity.roles.join(', ')}\n`);
          }
          return 0;
        }),
      );
    },
  );
}
