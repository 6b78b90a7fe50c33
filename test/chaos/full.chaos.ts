/**
 * The full chaos profile, run by `npm run chaos [-- --seed N --jobs 300 --agents 4 --slots 2 --controllers 2]`
 * (cli.mjs sets CHAOS_SEED, CHAOS_JOBS, CHAOS_AGENTS, CHAOS_SLOTS, CHAOS_CONTROLLERS). Prints the
 * seed first and the figures last; fails on any violation.
 */
import { describe, expect, it } from 'vitest';
import { chaosOptionsFromEnv, formatReport, replayCommand, runChaos } from '../src/chaos/index.js';
import { freshDatabase } from '../src/harness/index.js';

const options = chaosOptionsFromEnv();

describe(`chaos seed=${options.seed}`, () => {
  it(`${options.jobs} jobs on ${options.agents} agents under injected faults`, {
    timeout: options.deadlineMs + 180_000,
  }, async () => {
    console.log(`chaos seed=${options.seed} (replay: ${replayCommand({ options })})`);
    const report = await runChaos(options, { databaseUrl: await freshDatabase(), log: (line) => console.log(line) });
    const text = formatReport(report);
    console.log(text);
    expect(report.violations, text).toEqual([]);
    expect(report.figures.runs.lost).toBe(0);
    expect(report.figures.jobs.nonTerminal).toBe(0);
    expect(report.figures.overlappingLeases).toBe(0);
    if (report.faults.some((fault) => fault.kind === 'agentPause')) {
      expect(report.figures.fences.controllerRefused + report.figures.fences.agentStale).toBeGreaterThanOrEqual(1);
    }
  });
});
