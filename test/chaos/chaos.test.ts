/**
 * The small chaos profile inside `npm test`: a few dozen jobs on three agents
 * and two controller replicas with a fixed seed and one fault of each kind
 * (agent kill -9, agent paused past its lease, controller kill -9, kill -9 of
 * the other replica, nats-server kill -9, Postgres kill -9 and restart) plus
 * duplicate triggers. The full profile is `npm run chaos` (full.chaos.ts).
 */
import { describe, expect, it } from 'vitest';
import { chaosOptions, formatReport, runChaos } from '../src/chaos/index.js';
import { freshDatabase } from '../src/harness/index.js';

const options = chaosOptions({
  seed: 20240611,
  jobs: 36,
  agents: 3,
  slotsPerAgent: 2,
  controllers: 2,
  duplicateShare: 0.3,
  faults: {
    agentCrash: 1,
    agentPause: 1,
    controllerCrash: 1,
    natsCrash: 1,
    controllerReplicaKill: 1,
    postgresRestart: 1,
  },
  deadlineMs: 240_000,
});

describe('chaos (small profile)', () => {
  it('loses no run and never runs a job twice at once under agent, controller, replica, nats and Postgres faults', {
    timeout: 330_000,
  }, async () => {
    const report = await runChaos(options, { databaseUrl: await freshDatabase() });
    const text = formatReport(report);
    console.log(text);
    expect(report.violations, text).toEqual([]);
    expect(report.figures.runs.lost).toBe(0);
    expect(report.figures.jobs.nonTerminal).toBe(0);
    expect(report.figures.overlappingLeases).toBe(0);
    expect(report.figures.rerunWithoutAgentFault).toBe(0);
    expect(report.faults.map((fault) => fault.kind).sort()).toEqual([
      'agentCrash',
      'agentPause',
      'controllerCrash',
      'controllerReplicaKill',
      'natsCrash',
      'postgresRestart',
    ]);
  });
});
