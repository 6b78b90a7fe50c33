/**
 * What a step may see of the agent's environment: only the variables a build
 * needs to find its tools and speak the host's language. Everything else the
 * agent was started with (its token, DATABASE_URL, cloud credentials, …)
 * stays out of the step's reach.
 */

/** Variables taken from the agent's environment, by exact name. */
const inheritedNames = new Set(['PATH', 'HOME', 'LANG', 'TZ']);

/** True for a variable a step inherits from the agent: PATH, HOME, LANG, LC_*, TZ. */
export function isInheritedVariable(name: string): boolean {
  return inheritedNames.has(name) || name.startsWith('LC_');
}

/** The allow-listed subset of `agentEnv`; the caller adds the job's own variables on top. */
export function inheritedEnvironment(agentEnv: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(agentEnv)) {
    if (isInheritedVariable(name)) kept[name] = value;
  }
  return kept;
}
