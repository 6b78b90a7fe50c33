/** The `gantry controller` / `gantry up` flags that override declared variables, and the help listing the variables. */
import type { Argv } from 'yargs';
import { type ControllerVariable, controllerVariables, type VariableDeclaration } from '../config-variables.js';

/** Adds one string flag per declared variable named in `variables` (all flagged ones when omitted). */
export function withConfigFlags<T>(yargs: Argv<T>, variables?: readonly ControllerVariable[]): Argv<T> {
  let result = yargs;
  for (const [variable, declaration] of flagged(variables)) {
    result = result.option(declaration.flag as string, {
      type: 'string',
      requiresArg: true,
      describe: `${stripMarkdown(declaration.help)} (env ${variable})`,
    }) as Argv<T>;
  }
  return result;
}

/** Flag values keyed by the variable they override, for loadControllerConfig. */
export function configOverrides(
  args: Record<string, unknown>,
  variables?: readonly ControllerVariable[],
): Partial<Record<ControllerVariable, string>> {
  const overrides: Partial<Record<ControllerVariable, string>> = {};
  for (const [variable, declaration] of flagged(variables)) {
    const value = args[declaration.flag as string];
    if (typeof value === 'string') overrides[variable] = value;
  }
  return overrides;
}

/** "Environment:" help text: every variable, its default, and the `_FILE` form of secrets. */
export function environmentHelp(): string {
  const lines = Object.entries(controllerVariables as Record<string, VariableDeclaration>).map(
    ([variable, declaration]) => {
      const name = declaration.secret ? `${variable} (or ${variable}_FILE)` : variable;
      const fallback = declaration.default === undefined ? '' : ` [default: ${declaration.default}]`;
      return `  ${name}: ${stripMarkdown(declaration.help)}${fallback}`;
    },
  );
  return `Environment:\n${lines.join('\n')}`;
}

function flagged(variables?: readonly ControllerVariable[]): [ControllerVariable, VariableDeclaration][] {
  return (Object.entries(controllerVariables) as [ControllerVariable, VariableDeclaration][]).filter(
    ([variable, declaration]) =>
      declaration.flag !== undefined && (variables === undefined || variables.includes(variable)),
  );
}

function stripMarkdown(text: string): string {
  return text.replaceAll('`', '');
}
