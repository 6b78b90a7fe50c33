#!/usr/bin/env node
// The `gantry` command. Agent and controller never import each other, so this
// dispatcher is the one place that knows both: `gantry agent …` runs the agent,
// every other subcommand belongs to the controller package's CLI.
const [command, ...args] = process.argv.slice(2);

if (command === 'agent') {
  const { runAgentCli } = await import('@gantry/agent');
  process.exitCode = await runAgentCli(args);
} else {
  const { runControllerCli } = await import('@gantry/controller/cli');
  process.exitCode = await runControllerCli(command, args);
}
