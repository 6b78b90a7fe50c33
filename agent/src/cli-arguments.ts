/**
 * The `gantry agent` command line, parsed by Node's own `util.parseArgs` from
 * the declarations in config-variables.ts: one flag per declared variable
 * that has one, plus `--token-file` for the token, generated `--help` and
 * `--version`. Not yargs, as the controller's CLI is: an agent process lives
 * for months on a build host, and yargs would stay loaded all that time
 * (a few MiB of its idle memory) to read a dozen flags once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
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

/** A flag of the command line with the text `--help` shows for it. */
interface FlagHelp {
  flag: string;
  describe: string;
}

/** The flags that set a variable (not --help or --version), in declaration order. */
function flagHelps(): FlagHelp[] {
  const helps: FlagHelp[] = [];
  for (const [variable, declaration] of declarations()) {
    if (declaration.flag === undefined) continue;
    const fallback = declaration.defaultText ?? declaration.default;
    const suffix = fallback === '(required)' ? '; required' : fallback ? `; default ${plain(fallback)}` : '';
    helps.push({ flag: declaration.flag, describe: `${plain(declaration.help)} (env ${variable}${suffix})` });
    if (declaration.secret) {
      helps.push({
        flag: `${declaration.flag}-file`,
        describe: `file holding the ${declaration.flag} (env ${variable}_FILE)`,
      });
    }
  }
  return helps;
}

/** The text of `gantry agent --help`: usage, every flag, then the variables that have no flag. */
export function agentHelp(): string {
  const width = Math.min(110, process.stdout.columns ?? 80);
  const helps = [
    { flag: 'help', describe: 'show this help' },
    { flag: 'version', describe: 'show the version number' },
    ...flagHelps(),
  ];
  const column = Math.max(...helps.map(({ flag }) => flag.length)) + 10;
  const lines = [
    'gantry agent --controller HOST:PORT --nats URL [options]',
    '',
    'Run one agent: take jobs from NATS, run them, report to the controller.',
    '',
    'Options:',
  ];
  for (const { flag, describe } of helps) {
    const name = flag === 'help' ? '-h, --help' : `    --${flag}`;
    const text = wrap(describe, Math.max(30, width - column));
    lines.push(`  ${name.padEnd(column - 2)}${text[0]}`);
    for (const more of text.slice(1)) lines.push(`${' '.repeat(column)}${more}`);
  }
  lines.push('', 'Environment only:');
  for (const [variable, declaration] of declarations()) {
    if (declaration.flag !== undefined) continue;
    lines.push(`  ${variable}: ${plain(declaration.help)} [default: ${declaration.default}]`);
  }
  return lines.join('\n');
}

/** Parses the arguments after `gantry agent`. Never exits the process and never prints. */
export async function parseAgentArguments(argv: readonly string[]): Promise<ParsedArguments> {
  const flagNames = flagHelps().map(({ flag }) => flag);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const flag of flagNames) options[flag] = { type: 'string', multiple: true };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return { kind: 'error', message: problemOf(error as Error & { code?: string }), help: agentHelp() };
  }
  if (values.help) return { kind: 'output', text: agentHelp() };
  if (values.version) return { kind: 'output', text: agentVersion() };
  const flags: AgentFlags = {};
  for (const flag of flagNames) flags[flag] = joined(values[flag]);
  return { kind: 'run', flags };
}

/** parseArgs's error, said the way the rest of gantry's command line says it. */
function problemOf(error: Error & { code?: string }): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1]?.replace(/^-+/, '');
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown argument: ${option}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `Unknown argument: ${/'([^']*)'/.exec(error.message)?.[1]}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `--${option} needs a value`;
    default:
      return error.message;
  }
}

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
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
