#!/usr/bin/env node
// The `gantry` command. Agent and controller never import each other, so this
// dispatcher is the one place that knows both: `gantry agent …` runs the agent,
// every other subcommand (`gantry agent revoke NAME`, an admin's API call,
// included) belongs to the controller package's CLI.
const argv = process.argv.slice(2);

if (argv[0] === 'agent' && argv[1] !== 'revoke') {
  const { runAgentCli } = await import('@gantry/agent');
  process.exitCode = await runAgentCli(argv.slice(1));
} else {
  const { runControllerCli } = await import('@gantry/controller/cli');
  process.exitCode = await runControllerCli(argv);
}
