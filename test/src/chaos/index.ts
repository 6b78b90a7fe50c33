export { type ChaosOptions, chaosOptions, chaosOptionsFromEnv, defaultFaults, type FaultCounts } from './options.js';
export { formatReport, replayCommand } from './report.js';
export { type ChaosReport, runChaos } from './run-chaos.js';
