/**
 * The `gantry agent` command line, parsed by yargs from the declarations in
 * config-variables.ts: one flag per declared variable that has one, plus
 * `--token-file` for the token, generated `--help` and `--version`.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { type AgentVariableDeclaration, agentVariables } from './config-variables.js';

/** Flag values by flag name; a repeatable flag's values are already joined with commas. */
export type AgentFlags = Record<string, string | undefined>;

export type ParsedArguments =
  | { kind: 'run'; flags: AgentFlags }
  | { kind: 'output'; text: string }
  | { kind: 'error'; message: string; help: string };

export function agentVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function buildParser() {
  let parser = yargs()
    .scriptName('gantry agent')
    .usage(
      '$0 --controller HOST:PORT --nats URL [options]\n\nRun one agent: take jobs from NATS, run them, report to the controller.',
    )
    .parserConfiguration({ 'camel-case-expansion': false })
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .version(agentVersion())
    .alias('help', 'h')
    .fail((message, error) => {
      throw error ?? new Error(message);
    });
  for (const [variable, declaration] of declarations()) {
    if (declaration.flag === undefined) continue;
    const fallback = declaration.defaultText ?? declaration.default;
    parser = parser.option(declaration.flag, {
      type: 'string',
      requiresArg: true,
      describe: `${plain(declaration.help)} (env ${variable}${fallback === '(required)' ? '; required' : fallback ? `; default ${plain(fallback)}` : ''})`,
    });
    if (declaration.secret) {
      parser = parser.option(`${declaration.flag}-file`, {
        type: 'string',
        requiresArg: true,
        describe: `file holding the ${declaration.flag} (env ${variable}_FILE)`,
      });
    }
  }
  const envOnly = declarations()
    .filter(([, declaration]) => declaration.flag === undefined)
    .map(([variable, declaration]) => `  ${variable}: ${plain(declaration.help)} [default: ${declaration.default}]`);
  return parser.epilogue(`Environment only:\n${envOnly.join('\n')}`);
}

/** Parses the arguments after `gantry agent`. Never exits the process and never prints. */
export async function parseAgentArguments(argv: readonly string[]): Promise<ParsedArguments> {
  const parser = buildParser();
  try {
    const { parsed, output } = await new Promise<{ parsed: Record<string, unknown>; output: string }>(
      (resolve, reject) => {
        try {
          void parser.parse([...argv], {}, (error, parsed, output) =>
            error ? reject(error) : resolve({ parsed, output }),
          );
        } catch (error) {
          reject(error);
        }
      },
    );
    if (output !== '') return { kind: 'output', text: output };
    const extra = (parsed._ as unknown[])[0];
    if (extra !== undefined) throw new Error(`unexpected argument "${String(extra)}"`);
    const flags: AgentFlags = {};
    for (const [, declaration] of declarations()) {
      if (declaration.flag === undefined) continue;
      flags[declaration.flag] = joined(parsed[declaration.flag]);
      if (declaration.secret) flags[`${declaration.flag}-file`] = joined(parsed[`${declaration.flag}-file`]);
    }
    return { kind: 'run', flags };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message, help: await parser.getHelp() };
  }
}

function declarations(): [string, AgentVariableDeclaration][] {
  return Object.entries(agentVariables);
}

function joined(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

function plain(text: string): string {
  return text.replaceAll('`', '');
}
