/**
 * 3. Job overhead: a job printing 200 MB and a job of 1,000 `true` steps, each
 * timed through Gantry (the job's startedAt → finishedAt, as the API shows
 * them) and run directly from this process (bash with piped output; for the
 * steps, 1,000 sequential `bash -eo pipefail -c true`). Median of the repetitions.
 * The 200 MB log is archived to the artifact store after the attempt; the
 * scenario waits for its archive (checking its size) before the baseline.
 * Diagnostics: the CPU each job cost, and the controller's and the agent's
 * peak VmRSS, polled every 50 ms from the trigger until the run ended (and,
 * for the 200 MB job, until its log was archived). For the 200 MB job also
 * a second direct run whose output goes through the agent's own chunk cutter
 * and compression (1 MiB chunks, gzip's fastest level, on the thread pool):
 * what that compression alone costs the same pipe on the same cores.
 */
import { runDirect } from '../direct.js';
import { isoMs, pipelineFile, sleep, withFarm } from '../farm.js';
import { waitLogArchived } from '../log-archive.js';
import { cpuTimes, findPostmaster, treeCpuMs } from '../proc.js';
import { progress } from '../report.js';
import { RssSampler } from '../rss-sampler.js';
import { median } from '../stats.js';
import type { Scenario, ScenarioContext } from './types.js';

const OUTPUT_BYTES = 200_000_000;
const OUTPUT_STEP = `head -c ${OUTPUT_BYTES} /dev/zero | tr '\\0' x`;
const STEPS = 1000;

export const overheadScenario: Scenario = {
  name: 'overhead',
  description: 'a job printing 200 MB and a job of 1,000 short steps, through Gantry vs run directly',
  run: runOverhead,
};

async function runOverhead(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const repetitions = quick ? 1 : 3;
  const outputPipeline = pipelineFile({
    name: 'bench-output',
    stages: [{ name: 'only', jobs: [{ name: 'print-200mb', steps: [OUTPUT_STEP] }] }],
  });
  const stepsPipeline = pipelineFile({
    name: 'bench-steps',
    stages: [{ name: 'only', jobs: [{ name: 'steps-1000', steps: Array.from({ length: STEPS }, () => 'true') }] }],
  });
  await withFarm(
    {
      name: 'overhead',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': outputPipeline },
      agents: 1,
      slots: 1,
      profileDir: context.profileDir,
    },
    async (farm) => {
      const postmaster = findPostmaster(Number(new URL(context.postgres.url).port));
      const pgCpu = () => (postmaster ? treeCpuMs(postmaster) : Number.NaN);
      const outputSha = farm.repo.sha;
      const stepsSha = await farm.commit({ '.gantry.yml': stepsPipeline });
      // Warm the agent's repository cache so no figure pays for the first clone.
      const warm = await farm.commit({
        '.gantry.yml': pipelineFile({ name: 'warm', stages: [{ name: 's', jobs: [{ name: 'j', steps: ['true'] }] }] }),
      });
      await farm.waitRun((await farm.trigger(warm)).id, { timeoutMs: 60_000 });

      for (const [kind, sha, command, timeoutMs] of [
        ['output', outputSha, OUTPUT_STEP, 600_000],
        ['steps', stepsSha, null, 600_000],
      ] as const) {
        const through: number[] = [];
        const triggerToDone: number[] = [];
        const archivedAfter: number[] = [];
        const direct: number[] = [];
        const directChildrenCpu: number[] = [];
        const directCompressed: number[] = [];
        const cpu = { controller: 0, agent: 0, agentChildren: 0, postgres: 0 };
        const agentPid = farm.agents[0]?.pid ?? -1;
        // Highest VmRSS from the trigger until the job's log is archived (output) or the run ended (steps).
        const peakRss = { controller: 0, agent: 0 };
        for (let i = 0; i < repetitions; i++) {
          progress(`overhead: ${kind} job through Gantry (${i + 1}/${repetitions})`);
          const before = { controller: cpuTimes(farm.controller.pid), agent: cpuTimes(agentPid), postgres: pgCpu() };
          const rss = new RssSampler([farm.controller.pid, agentPid]);
          const { id, returnedNs } = await farm.trigger(sha);
          const run = await farm.waitRun(id, { intervalMs: 100, firstDelayMs: 200, timeoutMs });
          const after = { controller: cpuTimes(farm.controller.pid), agent: cpuTimes(agentPid), postgres: pgCpu() };
          cpu.controller += (after.controller.selfMs - before.controller.selfMs) / repetitions;
          cpu.agent += (after.agent.selfMs - before.agent.selfMs) / repetitions;
          cpu.agentChildren += (after.agent.childrenMs - before.agent.childrenMs) / repetitions;
          cpu.postgres += (after.postgres - before.postgres) / repetitions;
          const job = run.stages[0]?.jobs[0];
          if (!job) throw new Error(`run ${id} has no job`);
          through.push(isoMs(job.finishedAt) - isoMs(job.startedAt));
          triggerToDone.push(isoMs(run.finishedAt) - Number(returnedNs / 1_000_000n));
          if (kind === 'output') {
            // The 200 MB log moves to the artifact store after the attempt: let that finish first.
            const archive = await waitLogArchived(farm.databaseUrl, job.id, 120_000);
            if (archive.bytes < OUTPUT_BYTES)
              throw new Error(`archived log of job ${job.id} has ${archive.bytes} bytes`);
            archivedAfter.push(archive.createdAtMs - isoMs(job.finishedAt));
          }
          const [controllerPeak = Number.NaN, agentPeak = Number.NaN] = rss.stop();
          peakRss.controller = Math.max(peakRss.controller, controllerPeak);
          peakRss.agent = Math.max(peakRss.agent, agentPeak);
          await sleep(500);

          progress(`overhead: ${kind} run directly (${i + 1}/${repetitions})`);
          const result =
            command !== null
              ? await runDirect({ mode: 'output', command })
              : await runDirect({ mode: 'sequential', command: 'true', count: STEPS });
          if (command !== null && result.bytes !== OUTPUT_BYTES) {
            throw new Error(`direct output run printed ${result.bytes} bytes, not ${OUTPUT_BYTES}`);
          }
          direct.push(result.totalMs ?? Number.NaN);
          directChildrenCpu.push(result.childrenCpuMs);
          if (command !== null) {
            progress(`overhead: ${kind} run directly, compressed as the agent does (${i + 1}/${repetitions})`);
            const compressed = await runDirect({ mode: 'output-gzip', command });
            if (compressed.bytes !== OUTPUT_BYTES) {
              throw new Error(`direct compressed run printed ${compressed.bytes} bytes, not ${OUTPUT_BYTES}`);
            }
            directCompressed.push(compressed.totalMs ?? Number.NaN);
          }
        }
        const name = kind === 'output' ? 'overhead_output_200mb_ms' : 'overhead_1000_steps_ms';
        report.figure({
          name,
          unit: 'ms',
          value: median(through),
          baseline: median(direct),
          baselineWhat:
            kind === 'output'
              ? `bash -eo pipefail -c "${OUTPUT_STEP}" with its output piped to and read by a small Node process`
              : `${STEPS} sequential bash -eo pipefail -c true spawned by a small Node process`,
          samples: through.length,
          target: { op: '<=', value: kind === 'output' ? 1.3 : 1.5 },
          targetOnRatio: true,
        });
        const short = name.replace(/_ms$/, '');
        report.diagnostic(`${short}_trigger_to_run_finished_ms`, median(triggerToDone));
        // CPU the farm spent on one such job (while the bench polled the run every 100 ms).
        report.diagnostic(`${short}_controller_cpu_ms`, cpu.controller);
        report.diagnostic(`${short}_agent_cpu_ms`, cpu.agent);
        report.diagnostic(`${short}_agent_children_cpu_ms`, cpu.agentChildren);
        report.diagnostic(`${short}_postgres_cpu_ms`, cpu.postgres);
        report.diagnostic(`${short}_direct_children_cpu_ms`, median(directChildrenCpu));
        report.diagnostic(`${short}_agent_peak_rss_mib`, peakRss.agent);
        report.diagnostic(`${short}_controller_peak_rss_mib`, peakRss.controller);
        if (kind === 'output') {
          report.diagnostic(`${short}_log_archived_after_ms`, median(archivedAfter));
          report.diagnostic(`${short}_direct_gzip_ms`, median(directCompressed));
          report.diagnostic(`${short}_direct_gzip_ratio`, median(directCompressed) / median(direct));
        }
        report.detail(`${name}_through_gantry`, through);
        report.detail(`${name}_direct`, direct);
      }
    },
  );
}
