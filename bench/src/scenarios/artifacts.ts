/**
 * 6. Artifact throughput: a build job writes a 200 MB file of random bytes
 * (`artifacts: [big.bin]`) and a job of the next stage receives it
 * (`needs_artifacts`), through the controller's disk store (presigned
 * `/objects/` URLs). Each transfer is timed by the agent itself: its
 * `artifacts uploaded` / `artifacts downloaded` log lines carry `durationMs`
 * (upload: presign call, streamed PUT with SHA-256, commit call; download:
 * download-list call, streamed GET with SHA-256 check). The baseline is a
 * direct PUT and GET of a file of the same size to the same store in the same
 * run with Node's HTTP client (direct-store.ts). The same PUT and GET by curl,
 * a plain file copy on the same disk and the machine's SHA-256 rate are
 * reported beside it. Median of the repetitions.
 */
import { timeFileCopies, withProducedFile } from '../direct-files.js';
import { timeStoreTransfers } from '../direct-store.js';
import { type Farm, pipelineFile, withFarm } from '../farm.js';
import { cpuTimes } from '../proc.js';
import { progress } from '../report.js';
import { median } from '../stats.js';
import type { Scenario, ScenarioContext } from './types.js';

const ARTIFACT_BYTES = 200_000_000;
// `sync` before each timed transfer, here and in the baseline, so that neither
// starts while the kernel is still writing the previous 200 MB back to disk.
const PRODUCE_STEP = `head -c ${ARTIFACT_BYTES} /dev/urandom > big.bin && sync`;
const RECEIVE_STEP = `test "$(stat -c %s big.bin)" = ${ARTIFACT_BYTES}`;
const MB = 1_000_000;

export const artifactsScenario: Scenario = {
  name: 'artifacts',
  description: 'a 200 MB artifact uploaded by one job and downloaded by the next stage vs a plain file copy',
  run: runArtifacts,
};

async function runArtifacts(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const repetitions = quick ? 1 : 3;
  const pipeline = pipelineFile({
    name: 'bench-artifacts',
    stages: [
      { name: 'build', jobs: [{ name: 'produce', artifacts: ['big.bin'], steps: [PRODUCE_STEP] }] },
      { name: 'use', jobs: [{ name: 'receive', needs_artifacts: ['produce'], steps: [RECEIVE_STEP] }] },
    ],
  });
  await withFarm(
    {
      name: 'artifacts',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': pipeline },
      agents: 1,
      slots: 1,
      profileDir: context.profileDir,
    },
    async (farm) => {
      const sha = farm.repo.sha;
      // Warm the agent's repository cache so no repetition pays for the first clone.
      const warm = await farm.commit({
        '.gantry.yml': pipelineFile({ name: 'warm', stages: [{ name: 's', jobs: [{ name: 'j', steps: ['true'] }] }] }),
      });
      await farm.waitRun((await farm.trigger(warm)).id, { timeoutMs: 60_000 });

      const upload: number[] = [];
      const download: number[] = [];
      const putDirect: number[] = [];
      const getDirect: number[] = [];
      const curlPut: number[] = [];
      const curlGet: number[] = [];
      const copyIn: number[] = [];
      const copyOut: number[] = [];
      const sha256: number[] = [];
      const controllerCpu: number[] = [];
      const agentCpu: number[] = [];
      const agentPid = farm.agents[0]?.pid ?? -1;
      for (let i = 0; i < repetitions; i++) {
        progress(`artifacts: 200 MB through Gantry (${i + 1}/${repetitions})`);
        const before = { controller: cpuTimes(farm.controller.pid), agent: cpuTimes(agentPid) };
        const { id } = await farm.trigger(sha);
        const run = await farm.waitRun(id, { intervalMs: 100, firstDelayMs: 200, timeoutMs: 600_000 });
        controllerCpu.push(cpuTimes(farm.controller.pid).selfMs - before.controller.selfMs);
        agentCpu.push(cpuTimes(agentPid).selfMs - before.agent.selfMs);
        const [produce, receive] = run.stages.map((stage) => stage.jobs[0]?.id);
        if (!produce || !receive) throw new Error(`run ${id} lacks its produce or receive job`);
        upload.push(transferMs(farm, 'artifacts uploaded', produce));
        download.push(transferMs(farm, 'artifacts downloaded', receive));

        progress(`artifacts: 200 MB to and from the store directly (${i + 1}/${repetitions})`);
        await withProducedFile(ARTIFACT_BYTES, async (dir, file) => {
          const direct = await timeStoreTransfers(farm, file, `${dir}/received.bin`);
          putDirect.push(direct.putMs);
          getDirect.push(direct.getMs);
          if (direct.curl) {
            curlPut.push(direct.curl.putMs);
            curlGet.push(direct.curl.getMs);
          }
          const copies = await timeFileCopies(dir, file);
          copyIn.push(copies.putMs);
          copyOut.push(copies.getMs);
          sha256.push(copies.sha256Ms);
        });
      }
      const rate = (ms: number) => ARTIFACT_BYTES / MB / (ms / 1000);
      for (const [name, through, direct, what] of [
        ['artifacts_upload_mb_per_s', upload, putDirect, 'PUT of a 200 MB file to'],
        ['artifacts_download_mb_per_s', download, getDirect, 'GET of a 200 MB object from'],
      ] as const) {
        report.figure({
          name,
          unit: 'MB/s',
          value: rate(median(through)),
          baseline: rate(median(direct)),
          baselineWhat: `direct streamed ${what} the same disk store, with a signed URL (no agent, no gRPC calls, no SHA-256)`,
          samples: through.length,
          target: { op: '>=', value: 0.8 },
          targetOnRatio: true,
        });
        report.detail(`${name}_through_gantry_ms`, through);
        report.detail(`${name}_direct_ms`, direct);
      }
      report.diagnostic('artifacts_upload_ms', median(upload));
      report.diagnostic('artifacts_download_ms', median(download));
      // The same store through another client than Node's HTTP.
      if (curlPut.length > 0) {
        report.diagnostic('artifacts_curl_put_mb_per_s', rate(median(curlPut)));
        report.diagnostic('artifacts_curl_get_mb_per_s', rate(median(curlGet)));
      }
      // What the disk alone allows, without HTTP: a plain file copy each way.
      report.diagnostic('artifacts_file_copy_in_mb_per_s', rate(median(copyIn)));
      report.diagnostic('artifacts_file_copy_out_mb_per_s', rate(median(copyOut)));
      // The agent hashes every byte it moves (1 MiB reads from the page cache).
      report.diagnostic('artifacts_sha256_mb_per_s', rate(median(sha256)));
      report.diagnostic('artifacts_run_controller_cpu_ms', median(controllerCpu));
      report.diagnostic('artifacts_run_agent_cpu_ms', median(agentCpu));
    },
  );
}

/** `durationMs` of the agent's JSON log line `msg` for `jobId` (first attempt), checking it moved the whole file. */
function transferMs(farm: Farm, msg: string, jobId: string): number {
  for (const agent of farm.agents) {
    for (const line of agent.logs().split('\n')) {
      if (!line.startsWith('{') || !line.includes(jobId)) continue;
      const entry = JSON.parse(line) as { msg?: string; jobId?: string; bytes?: number; durationMs?: number };
      if (entry.msg !== msg || entry.jobId !== jobId) continue;
      if (entry.bytes !== ARTIFACT_BYTES) throw new Error(`job ${jobId}: ${msg} ${entry.bytes} bytes`);
      return entry.durationMs ?? Number.NaN;
    }
  }
  throw new Error(`no "${msg}" line for job ${jobId} in the agents' logs`);
}
