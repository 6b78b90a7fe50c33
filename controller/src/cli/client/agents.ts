/** `gantry agents` (the registered agents) and `gantry drain AGENT` (stop one taking jobs). */
import type { Argv } from 'yargs';
import type { AgentView } from './api-types.js';
import { paintStatus } from './colors.js';
import {
  type CommandContext,
  connect,
  printJson,
  printList,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp } from './format.js';

export function registerAgents<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs
    .command(
      'agents',
      'list the registered agents',
      (command) => withJson(withConnection(command)),
      async (args) => {
        exit(
          await runClientCommand(io, async () => {
            const { agents } = await connect(args, io, options).listAgents();
            const rows = agents.map((agent) => [
              agent.id,
              agent.name,
              stateOf(agent),
              agent.queues.join(','),
              String(agent.slots),
              formatTimestamp(agent.lastSeenAt),
            ]);
            const paint = (cell: string, column: number) =>
              column === 2 ? paintStatus(cell, cell.trim() === 'connected' ? 'succeeded' : 'canceled', io.color) : cell;
            return printList(io, {
              json: args.json,
              document: { agents },
              empty: 'no agents registered',
              header: ['ID', 'NAME', 'STATE', 'QUEUES', 'SLOTS', 'LAST SEEN'],
              rows,
              paint,
            });
          }),
        );
      },
    )
    .command(
      'drain <agent>',
      'stop an agent taking jobs; it finishes what it runs, then exits',
      (command) =>
        withJson(withConnection(command)).positional('agent', { type: 'string', describe: "the agent's id" }),
      async (args) => {
        exit(
          await runClientCommand(io, async () => {
            if (!args.agent) throw new UsageError('AGENT is required');
            const answer = await connect(args, io, options).drainAgent(args.agent);
            if (args.json) printJson(io, answer);
            else io.stdout(`draining agent ${args.agent}\n`);
            return 0;
          }),
        );
      },
    );
}

function stateOf(agent: AgentView): string {
  if (agent.revoked) return 'revoked';
  if (agent.draining) return 'draining';
  return agent.connected ? 'connected' : 'disconnected';
}
