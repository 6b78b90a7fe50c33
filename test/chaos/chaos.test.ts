/**
 * The small chaos profile inside `npm test`: a few dozen jobs on three agents
 * with a fixed seed and one fault of each kind (agent kill -9, agent paused
 * past its lease, controller kill -9, nats-server kill -9) plus duplicate
 * triggers. The full profile is `npm run chaos` (full.chaos.ts).
 */
import { describe, expect, it } from 'vitest';
import { chaosOptions, formatReport, runChaos } from '../src/chaos/index.js';
import { freshDatabase } from '../src/harness/index.js';

const options = chaosOptions({
  seed: 20240611,
  jobs: 36,
  agents: 3,
  slotsPerAgent: 2,
  duplicateShare: 0.3,
  faults: { agentCrash: 1, agentPause: 1, controllerCrash: 1, natsCrash: 1 },
  deadlineMs: 100_000,
});

describe('chaos (small profile)', () => {
  it('loses no run and never runs a job twice at once under agent, controller and nats crashes', {
    timeout: 150_000,
  }, async () => {
    const report = await runChaos(options, { databaseUrl: await freshDatabase() });
    const text = formatReport(report);
    console.log(text);
    expect(report.violations, text).toEqual([]);
    expect(report.figures.runs.lost).toBe(0);
    expect(report.figures.jobs.nonTerminal).toBe(0);
    expect(report.figures.overlappingLeases).toBe(0);
    expect(report.faults.map((fault) => fault.kind).sort()).toEqual([
      'agentCrash',
      'agentPause',
      'controllerCrash',
      'natsCrash',
    ]);
  });
});
