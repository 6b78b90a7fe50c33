/**
 * The controller package's share of the `gantry` command (bin/gantry.mjs
 * sends every subcommand except `agent` here): one yargs parser for every
 * subcommand, with generated help, `--version`, and `gantry completion`.
 * Returns the exit code: 0 ok, 1 failure, 2 usage or configuration, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { registerAgentCommand } from './client/agent-revoke.js';
import { registerAgentTokens } from './client/agent-tokens.js';
import { registerAgents } from './client/agents.js';
import { registerStageDecisions } from './client/approve.js';
import { registerArtifacts } from './client/artifacts.js';
import { registerAudit } from './client/audit.js';
import { registerCache } from './client/caches.js';
import { type ClientOptions, type CommandContext, exitCodes } from './client/command.js';
import { registerDeployments } from './client/deployments.js';
import { registerEnvironments } from './client/environments.js';
import { registerGc } from './client/gc.js';
import { type CliIo, processIo } from './client/io.js';

export { clientVariables } from './client/connection.js';

import { registerLogs } from './client/logs.js';
import { registerRepositories } from './client/repositories.js';
import { registerRunActions } from './client/run-actions.js';
import { registerRuns } from './client/runs.js';
import { registerSecrets } from './client/secrets.js';
import { registerTokens } from './client/tokens.js';
import { registerTrigger } from './client/trigger.js';
import { registerWhoami } from './client/whoami.js';
import { registerController } from './controller-command.js';
import { registerHook } from './hook/hook-command.js';
import { registerLint } from './lint-command.js';
import { registerNatsConfig } from './nats-config-command.js';
import { registerUp } from './up-command.js';

/** The version of the controller package, shown by `gantry --version`. */
export function gantryVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** A usage problem found by the parser (unknown flag or command, missing argument). */
class ParseError extends Error {
  override readonly name = 'ParseError';
  readonly code = 'usage';
}

export async function runControllerCli(
  args: readonly string[],
  io: CliIo = processIo(),
  options: ClientOptions = {},
): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  let code: number = exitCodes.ok;
  const context: CommandContext = {
    io: { ...io, signal: io.signal ? AbortSignal.any([io.signal, interrupt.signal]) : interrupt.signal },
    options,
    exit: (value) => {
      code = value;
    },
  };
  try {
    const parser = buildParser(context);
    if (args[0] === '--get-yargs-completions') {
      // What the script of `gantry completion` asks for; the shell filters the words by the typed prefix.
      const words = await parser.getCompletion(args.slice(1));
      io.stdout(words.map((word) => `${word}\n`).join(''));
      return exitCodes.ok;
    }
    const output = await new Promise<string>((resolve, reject) => {
      try {
        void parser.parse([...args], {}, (error, _argv, text) => (error ? reject(error) : resolve(text)));
      } catch (error) {
        reject(error);
      }
    });
    if (output !== '') io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return code;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const command = args.find((arg) => !arg.startsWith('-'));
    const help = command && knownCommands.includes(command) ? `gantry ${command} --help` : 'gantry --help';
    io.stderr(`gantry: ${error.message}\nRun "${help}" for usage.\n`);
    return exitCodes.usage;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

const knownCommands = [
  'up',
  'controller',
  'agent',
  'trigger',
  'approve',
  'reject',
  'cancel',
  'retry',
  'runs',
  'logs',
  'artifacts',
  'gc',
  'agents',
  'drain',
  'token',
  'agent-token',
  'whoami',
  'lint',
  'hook',
  'repo',
];

function buildParser(context: CommandContext) {
  let parser = yargs()
    .scriptName('gantry')
    .usage('$0 <command> [options]')
    .parserConfiguration({ 'strip-aliased': true })
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .version(gantryVersion())
    .alias('help', 'h')
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .completion('completion', 'print a bash or zsh completion script (gantry completion >> ~/.bashrc)')
    .fail((message, error) => {
      // yargs reports usage problems as YError; anything else came from a handler and is a bug.
      if (error && error.name !== 'YError') throw error;
      throw new ParseError(withoutCamelCaseTwins(message ?? error?.message ?? 'invalid command line'));
    })
    .epilogue('Client commands read GANTRY_URL and GANTRY_TOKEN (or GANTRY_TOKEN_FILE).');
  parser = registerUp(parser, context);
  parser = registerNatsConfig(parser, context);
  parser = registerController(parser, context);
  parser = registerAgentCommand(parser, context);
  parser = registerTrigger(parser, context);
  parser = registerStageDecisions(parser, context);
  parser = registerRunActions(parser, context);
  parser = registerRuns(parser, context);
  parser = registerLogs(parser, context);
  parser = registerArtifacts(parser, context);
  parser = registerGc(parser, context);
  parser = registerCache(parser, context);
  parser = registerAgents(parser, context);
  parser = registerTokens(parser, context);
  parser = registerAgentTokens(parser, context);
  parser = registerEnvironments(parser, context);
  parser = registerDeployments(parser, context);
  parser = registerAudit(parser, context);
  parser = registerWhoami(parser, context);
  parser = registerLint(parser, context);
  parser = registerHook(parser, context);
  parser = registerRepositories(parser, context);
  parser = registerSecrets(parser, context);
  return parser;
}

/** yargs lists an unknown `--foo-bar` twice (`foo-bar, fooBar`); keep the spelling the user typed. */
function withoutCamelCaseTwins(message: string): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match?.[1]) return message;
  const names = match[1].split(', ');
  const typed = names.filter(
    (name) => !names.some((other) => other.includes('-') && camelCase(other) === name && other !== name),
  );
  return `Unknown argument${typed.length > 1 ? 's' : ''}: ${typed.join(', ')}`;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
