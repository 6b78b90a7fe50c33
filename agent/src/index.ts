/** Public surface of @gantry/agent, used by bin/gantry.mjs, the end-to-end tests and the bench's simulated agents. */
export { createAgentLogger, runAgentCli } from './cli.js';
export { type AgentConfig, loadAgentConfig } from './config.js';
export { type AgentVariableDeclaration, agentVariables } from './config-variables.js';
export { type AgentHandle, type StartAgentOptions, startAgent } from './main.js';
export { type PulledMessage, PullInbox } from './queue/pull-inbox.js';
export { RegistrationRefusedError } from './registration.js';
export { WorkChannel } from './work-channel.js';
