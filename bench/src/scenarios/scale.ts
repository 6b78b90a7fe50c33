/**
 * 4. Scale: 200 simulated agents connected (bench/src/sim-agents.ts, one
 * process, the real protocol) and 10,000 queued jobs on a queue nobody pulls.
 * Figures: controller RSS (baseline: the same controller right after start,
 * idle), GET /api/runs p99 (baseline: on the same farm before the load, with a
 * few runs), RSS of one idle real agent (baseline: an idle bare `node` process).
 */
import { startChild } from '@gantry/common';
import { connect } from 'nats';
import pg from 'pg';
import { type Farm, pipelineFile, sleep, withFarm } from '../farm.js';
import { cpuTimes, peakRssMiB, rssMiB } from '../proc.js';
import { progress } from '../report.js';
import { type SimAgents, startSimAgents, stopSimAgents } from '../sim-process.js';
import { median, percentile } from '../stats.js';
import type { Scenario, ScenarioContext } from './types.js';

const SIM_AGENTS = 200;
const QUEUED_JOBS = 10_000;
const JOBS_PER_RUN = 250;
const SCALE_QUEUE = 'bench-scale';

export const scaleScenario: Scenario = {
  name: 'scale',
  description: `${SIM_AGENTS} simulated agents + ${QUEUED_JOBS} queued jobs: controller RSS, GET /api/runs p99, idle agent RSS`,
  run: runScale,
};

async function runScale(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const requests = quick ? 150 : 400;
  // Spread the loaded measurement over ≥ 20 s: background work (the reaper re-publishes offers
  // unclaimed for 15 s, 500 at a time) must fall inside the window.
  const loadedSpacingMs = Math.ceil((quick ? 20_000 : 30_000) / requests);
  const small = pipelineFile({ name: 'bench-small', stages: [{ name: 's', jobs: [{ name: 'j', steps: ['true'] }] }] });
  const wide = pipelineFile({
    name: 'bench-queued',
    stages: [
      {
        name: 'wide',
        jobs: [
          {
            name: 'waiting',
            queue: SCALE_QUEUE,
            matrix: { i: Array.from({ length: JOBS_PER_RUN }, (_, index) => String(index + 1)) },
            steps: ['true'],
          },
        ],
      },
    ],
  });
  await withFarm(
    {
      name: 'scale',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': small },
      agents: 0,
      slots: 1,
      profileDir: context.profileDir,
    },
    async (farm) => {
      let sim: SimAgents | undefined;
      try {
        const smallSha = farm.repo.sha;
        const wideSha = await farm.commit({ '.gantry.yml': wide });
        await sleep(1000);
        const controllerPid = farm.controller.pid;
        const idleRss = rssMiB(controllerPid);

        progress('scale: one real agent, 5 small runs, idle API baseline');
        const agent = await farm.addAgent({ queue: 'default', slots: 1 });
        for (let i = 0; i < 5; i++) await farm.waitRun((await farm.trigger(smallSha)).id, { timeoutMs: 60_000 });
        const smallRunId = (await farm.listRuns(1))[0]?.id ?? '';
        const idleRuns = await timeRequests('GET /api/runs', () => farm.client.GET('/api/runs'), requests);
        const idleRun = await timeRequests(`GET /api/runs/${smallRunId}`, () => getRun(farm, smallRunId), requests);
        await sleep(3000);
        const agentRss = rssMiB(agent.pid);
        const bareNodeRss = await bareNodeRssMiB();

        progress(`scale: starting ${SIM_AGENTS} simulated agents`);
        const simStart = Date.now();
        sim = await startSimAgents(farm, { count: SIM_AGENTS, queue: SCALE_QUEUE });
        const simStatus = sim.ready;
        report.diagnostic('scale_sim_agents_start_s', (Date.now() - simStart) / 1000);
        report.diagnostic('scale_sim_agents_registered', Number(simStatus.registered));
        report.diagnostic('scale_sim_agents_connect_streams_open', Number(simStatus.streamsOpen));
        report.diagnostic('scale_sim_agents_connect_unimplemented', Number(simStatus.connectUnimplemented));
        report.diagnostic('scale_sim_agents_nats_connections', Number(simStatus.nats));

        const runs = QUEUED_JOBS / JOBS_PER_RUN;
        progress(`scale: queueing ${QUEUED_JOBS} jobs (${runs} runs × ${JOBS_PER_RUN}) on queue ${SCALE_QUEUE}`);
        const queueStart = Date.now();
        const during: number[] = [];
        let queueing = true;
        const probe = (async () => {
          while (queueing) {
            during.push(...(await timeRequests('GET /api/runs', () => farm.client.GET('/api/runs'), 1)));
            await sleep(20);
          }
        })();
        const ids: string[] = [];
        for (let i = 0; i < runs; i++) ids.push((await farm.trigger(wideSha)).id);
        const db = new pg.Client({ connectionString: farm.databaseUrl });
        await db.connect();
        try {
          const deadline = Date.now() + 300_000;
          for (;;) {
            const result = await db.query<{ queued: number; unpublished: number }>(
              `select (select count(*)::int from jobs where status = 'queued' and queue = $1) as queued,
                  (select count(*)::int from outbox where published_at is null) as unpublished`,
              [SCALE_QUEUE],
            );
            const row = result.rows[0];
            if (row && row.queued >= QUEUED_JOBS && row.unpublished === 0) break;
            if (Date.now() > deadline)
              throw new Error(`only ${row?.queued} jobs queued, ${row?.unpublished} unpublished`);
            await sleep(250);
          }
        } finally {
          await db.end();
          queueing = false;
          await probe;
        }
        report.diagnostic('scale_queueing_s', (Date.now() - queueStart) / 1000);
        report.diagnostic('scale_api_runs_p99_during_queueing_ms', percentile(during, 99));
        report.diagnostic('scale_nats_stream_messages', await streamMessages(farm.nats.url));

        await sleep(2000);
        const cpuBefore = cpuTimes(controllerPid).selfMs;
        const windowStart = Date.now();
        let loadedRss = rssMiB(controllerPid);
        const loadedRuns = await timeRequests(
          'GET /api/runs',
          () => farm.client.GET('/api/runs'),
          requests,
          loadedSpacingMs,
          () => {
            loadedRss = Math.max(loadedRss, rssMiB(controllerPid));
          },
        );
        const controllerCpuShare = (cpuTimes(controllerPid).selfMs - cpuBefore) / (Date.now() - windowStart);
        const loadedRun = await timeRequests(
          `GET /api/runs/${ids[0]}`,
          () => getRun(farm, ids[0]!),
          Math.min(requests, 100),
        );
        const loadedAgents = await timeRequests(
          'GET /api/agents',
          () => farm.client.GET('/api/agents'),
          Math.min(requests, 100),
        );

        report.figure({
          name: 'scale_controller_rss_mib',
          unit: 'MiB',
          value: loadedRss,
          baseline: idleRss,
          baselineWhat:
            'the same controller right after start, idle, no agents (figure: highest VmRSS sampled over the loaded window)',
          target: { op: '<=', value: 400 },
        });
        report.figure({
          name: 'scale_api_runs_p99_ms',
          unit: 'ms',
          value: percentile(loadedRuns, 99),
          baseline: percentile(idleRuns, 99),
          baselineWhat: `GET /api/runs on the same farm before the load (5 runs, 1 agent), ${requests} sequential requests; loaded: ${requests} requests ${loadedSpacingMs} ms apart`,
          samples: loadedRuns.length,
          target: { op: '<=', value: 200 },
        });
        report.figure({
          name: 'agent_idle_rss_mib',
          unit: 'MiB',
          value: agentRss,
          baseline: bareNodeRss,
          baselineWhat: 'an idle bare node process (node -e "setInterval(…)")',
          target: { op: '<=', value: 80 },
        });
        report.diagnostic('scale_api_runs_p50_ms', median(loadedRuns));
        report.diagnostic('scale_controller_cpu_share_under_load', controllerCpuShare);
        report.diagnostic('scale_controller_peak_rss_mib', peakRssMiB(controllerPid));
        report.diagnostic('scale_api_run_detail_250_jobs_p50_ms', median(loadedRun));
        report.diagnostic('scale_api_run_detail_250_jobs_p99_ms', percentile(loadedRun, 99));
        report.diagnostic('scale_api_run_detail_1_job_idle_p99_ms', percentile(idleRun, 99));
        report.diagnostic('scale_api_agents_201_p99_ms', percentile(loadedAgents, 99));
      } finally {
        if (sim) await stopSimAgents(sim);
      }
    },
  );
}

const getRun = (farm: Farm, id: string) => farm.client.GET('/api/runs/{id}', { params: { path: { id } } });

/** `count` sequential calls of `request` (named `what` in errors); the latency of each in ms. */
async function timeRequests(
  what: string,
  request: () => Promise<{ response: Response }>,
  count: number,
  spacingMs = 0,
  between: () => void = () => {},
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && spacingMs > 0) {
      between();
      await sleep(spacingMs);
    }
    const start = process.hrtime.bigint();
    const { response } = await request();
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (response.status !== 200) throw new Error(`${what} answered ${response.status}`);
  }
  return latencies;
}

async function bareNodeRssMiB(): Promise<number> {
  const child = startChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  await sleep(1500);
  const rss = rssMiB(child.pid);
  await child.stop();
  return rss;
}

async function streamMessages(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('GANTRY_JOBS');
    return info.state.messages;
  } finally {
    await nc.close();
  }
}
