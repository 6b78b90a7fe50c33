/**
 * `gantry nats-config --out DIR [--agent USER[=QUEUE,…]]…`: writes the NATS
 * users of a farm for a nats-server the operator runs (`nats-server.conf`
 * with the authorization block, one `<user>.password` per user, all 0600),
 * and prints which variables the controller and agents need. Run again,
 * it keeps the passwords already in DIR and rewrites the configuration.
 */
import { resolve } from 'node:path';
import { NatsAuthorizationError } from '@gantry/common';
import type { Argv } from 'yargs';
import {
  agentNatsUser,
  controllerNatsUser,
  type NatsAgentUserSpec,
  writeNatsAuthorization,
} from '../local-farm/nats-authorization-files.js';
import { type CommandContext, exitCodes, printJson, withJson } from './client/command.js';
import type { CliIo } from './client/io.js';

const maxAgentUsers = 256;

export function registerNatsConfig<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'nats-config',
    'write nats-server users for a farm: the controller publishes, agents only pull and listen',
    (command) =>
      withJson(command)
        .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'directory to write to' })
        .option('agent', {
          type: 'string',
          array: true,
          requiresArg: true,
          describe: `an agent user, USER or USER=QUEUE,QUEUE to allow only those queues (default: ${agentNatsUser}, every queue)`,
        })
        .option('controller-user', { type: 'string', default: controllerNatsUser, requiresArg: true }),
    async (args) => {
      const out = resolve(options.cwd ?? process.cwd(), args.out);
      exit(await writeNatsConfig(out, args.agent ?? [agentNatsUser], args.controllerUser, args.json, io));
    },
  );
}

async function writeNatsConfig(
  out: string,
  agentArgs: string[],
  controllerUser: string,
  json: boolean,
  io: CliIo,
): Promise<number> {
  if (agentArgs.length > maxAgentUsers) {
    io.stderr(`gantry nats-config: at most ${maxAgentUsers} --agent users\n`);
    return exitCodes.usage;
  }
  const agents = agentArgs.map(parseAgentUser);
  let files: Awaited<ReturnType<typeof writeNatsAuthorization>>;
  try {
    files = await writeNatsAuthorization(out, agents, controllerUser);
  } catch (error) {
    if (!(error instanceof NatsAuthorizationError)) throw error;
    io.stderr(`gantry nats-config: ${error.message}\n`);
    return exitCodes.usage;
  }
  const users = [files.controller, ...files.agents].map(({ user }) => ({
    user,
    passwordFile: files.passwordFiles[user],
  }));
  if (json) {
    printJson(io, { configFile: files.configFile, users });
    return exitCodes.ok;
  }
  const lines = [
    `wrote ${files.configFile} and ${users.length} password files (mode 600) in ${out}`,
    '',
    'nats-server (JetStream on):',
    `  nats-server -js -sd /var/lib/nats -c ${files.configFile}`,
    'controller:',
    `  GANTRY_NATS_USER=${files.controller.user} GANTRY_NATS_PASSWORD_FILE=${files.passwordFiles[files.controller.user]}`,
    'agents:',
    ...files.agents.map(
      (agent) =>
        `  GANTRY_NATS_USER=${agent.user} GANTRY_NATS_PASSWORD_FILE=${files.passwordFiles[agent.user]}` +
        (agent.queues ? `   (queues ${agent.queues.join(', ')})` : ''),
    ),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}

/** `USER` or `USER=QUEUE,QUEUE`; names are checked when the configuration is written. */
function parseAgentUser(spec: string): NatsAgentUserSpec {
  const [user = '', queues] = spec.split('=', 2);
  if (queues === undefined) return { user };
  return {
    user,
    queues: queues
      .split(',')
      .map((queue) => queue.trim())
      .filter((queue) => queue !== ''),
  };
}
