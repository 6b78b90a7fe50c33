import { expect, it } from 'vitest';
import { chaosOptions, formatReport, runChaos } from '../src/chaos/index.js';
import { freshDatabase } from '../src/harness/index.js';

it('scratch', { timeout: 600_000 }, async () => {
  const options = chaosOptions({
    seed: Number(process.env.CHAOS_SEED ?? 1),
    jobs: Number(process.env.CHAOS_JOBS ?? 20),
    agents: 3,
    duplicateShare: 0.5,
    faults: { agentCrash: 0, agentPause: 0, controllerCrash: 0, natsCrash: 0 },
  });
  const report = await runChaos(options, { databaseUrl: await freshDatabase(), log: (l) => console.log(l) });
  console.log(formatReport(report));
  expect(report.violations).toEqual([]);
});
