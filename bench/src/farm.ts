/**
 * One farm per scenario, on the bench's Postgres server (a fresh database) and
 * a fresh nats-server: the real controller and agents through the built CLI,
 * started by the end-to-end test harness, and one git repository whose commits
 * carry the pipelines the scenario triggers by sha.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AgentProcess,
  type ApiClient,
  api,
  type ControllerProcess,
  createGitRepo,
  type GitRepo,
  type NatsServer,
  type PostgresServer,
  type RunView as RunDetail,
  type RunSummary,
  startAgent,
  startController,
  startNats,
} from '../../test/src/harness/index.js';
import { wallNs } from './clock.js';

/** The API's bodies, from the generated client types (through the test harness). */
export type { RunDetail, RunSummary };

export const terminalRunStatuses = new Set(['succeeded', 'failed', 'canceled', 'rejected']);

export interface FarmOptions {
  /** Name used for temp dirs and profile files. */
  name: string;
  postgres: PostgresServer;
  /** null: the controller uses embedded PGlite. */
  database: 'postgres' | 'pglite';
  /** Files of the repository's first commit (`.gantry.yml` …). */
  files: Record<string, string>;
  agents: number;
  slots: number;
  queue?: string;
  /** Write V8 CPU profiles of the controller and agents here (`--cpu-prof`). */
  profileDir?: string | undefined;
  /** Run the controller and agents with `--perf-basic-prof`, so that perf(1) can name JavaScript frames (--perf). */
  perfMaps?: boolean | undefined;
  /** Overrides the controller's DATABASE_URL (the DB round-trip proxy). */
  databaseUrlFor?: (url: string) => string;
}

/** Temp dirs of farms still running; removed synchronously if the bench exits early (Ctrl-C). */
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

export class Farm {
  readonly agents: AgentProcess[] = [];
  private agentsStarted = 0;
  private constructor(
    readonly options: FarmOptions,
    readonly nats: NatsServer,
    readonly databaseUrl: string,
    readonly controller: ControllerProcess,
    /** The controller's DATA_DIR (its disk store and the store's signing key live there). */
    readonly dataDir: string,
    readonly client: ApiClient,
    readonly repo: GitRepo,
    readonly agentToken: string,
    private readonly dirs: string[],
  ) {}

  /** The farm's Node processes by pid, as perf summaries name them: the controller, and the agents together. */
  perfRoles(): Map<number, string> {
    return new Map([
      [this.controller.pid, 'controller'],
      ...this.agents.map((agent) => [agent.pid, 'agents'] as const),
    ]);
  }

  static async start(options: FarmOptions): Promise<Farm> {
    const dirs: string[] = [];
    const nats = await startNats();
    let controller: ControllerProcess | undefined;
    try {
      const databaseUrl =
        options.database === 'postgres'
          ? await options.postgres.createDatabase(
              `bench_${options.name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`,
            )
          : '';
      const dataDir = await mkdtemp(join(tmpdir(), `gantry-bench-${options.name}-`));
      dirs.push(dataDir);
      liveDirs.add(dataDir);
      const adminToken = randomBytes(16).toString('hex');
      const agentToken = randomBytes(16).toString('hex');
      controller = await startController({
        databaseUrl: databaseUrl === '' ? '' : (options.databaseUrlFor?.(databaseUrl) ?? databaseUrl),
        natsUrl: nats.url,
        dataDir,
        adminToken,
        agentToken,
        env: nodeEnv(options, `${options.name}-controller`),
        startTimeoutMs: 60_000,
      });
      const repo = await createGitRepo(options.files);
      dirs.push(repo.path);
      liveDirs.add(repo.path);
      const farm = new Farm(
        options,
        nats,
        databaseUrl,
        controller,
        dataDir,
        api(controller.httpUrl, adminToken),
        repo,
        agentToken,
        dirs,
      );
      await Promise.all(Array.from({ length: options.agents }, () => farm.addAgent()));
      return farm;
    } catch (error) {
      await controller?.stop().catch(() => {});
      await nats.stop().catch(() => {});
      for (const dir of dirs) {
        await rm(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
      }
      throw error;
    }
  }

  async addAgent(overrides: { queue?: string; slots?: number } = {}): Promise<AgentProcess> {
    const index = this.agentsStarted++;
    const workDir = await mkdtemp(join(tmpdir(), `gantry-bench-agent-`));
    this.dirs.push(workDir);
    liveDirs.add(workDir);
    const agent = await startAgent({
      controller: this.controller.grpcAddress,
      natsUrl: this.nats.url,
      queue: overrides.queue ?? this.options.queue ?? 'default',
      slots: overrides.slots ?? this.options.slots,
      token: this.agentToken,
      workDir,
      name: `bench-${this.options.name}-${index}-${randomBytes(2).toString('hex')}`,
      env: nodeEnv(this.options, `${this.options.name}-agent-${index}`),
      startTimeoutMs: 60_000,
    });
    this.agents.push(agent);
    return agent;
  }

  /** Commits `files` and returns the new sha. */
  commit(files: Record<string, string | null>, message = 'bench pipeline'): Promise<string> {
    return this.repo.commit(files, message);
  }

  /** POST /api/runs for `sha` (default: HEAD); `returnedNs` = wall clock right after the response. */
  async trigger(sha = this.repo.sha): Promise<{ id: string; returnedNs: bigint }> {
    const { data, error, response } = await this.client.POST('/api/runs', {
      body: { repo: this.repo.path, ref: this.repo.branch, sha },
    });
    const returnedNs = wallNs();
    if (response.status !== 201 || !data) {
      throw new Error(`POST /api/runs answered ${response.status}: ${JSON.stringify(error)}`);
    }
    return { id: data.id, returnedNs };
  }

  async run(id: string): Promise<RunDetail> {
    const { data, response } = await this.client.GET('/api/runs/{id}', { params: { path: { id } } });
    if (!data) throw new Error(`GET /api/runs/${id} answered ${response.status}`);
    return data;
  }

  async listRuns(limit = 50): Promise<RunSummary[]> {
    const { data, response } = await this.client.GET('/api/runs', { params: { query: { limit } } });
    if (!data) throw new Error(`GET /api/runs answered ${response.status}`);
    return data.runs;
  }

  /** Polls until the run is terminal; throws on timeout, or when `requireSuccess` and it did not succeed. */
  async waitRun(
    id: string,
    options: { timeoutMs?: number; intervalMs?: number; firstDelayMs?: number; requireSuccess?: boolean } = {},
  ): Promise<RunDetail> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    await sleep(options.firstDelayMs ?? 0);
    for (;;) {
      const run = await this.run(id);
      if (terminalRunStatuses.has(run.status)) {
        if ((options.requireSuccess ?? true) && run.status !== 'succeeded') throw new Error(describeFailure(run));
        return run;
      }
      if (Date.now() > deadline)
        throw new Error(`run ${id} still ${run.status} after ${options.timeoutMs ?? 60_000} ms`);
      await sleep(options.intervalMs ?? 20);
    }
  }

  async log(runId: string, jobId: string): Promise<string> {
    return this.client.readLog(runId, jobId);
  }

  /** Writes the controller's and agents' captured output to `dir` (after a failure). */
  saveLogs(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${this.options.name}-controller.log`), this.controller.logs());
    for (const [index, agent] of this.agents.entries()) {
      writeFileSync(join(dir, `${this.options.name}-agent-${index}.log`), agent.logs());
    }
  }

  /** Stops agents, then the controller (which writes its CPU profile on a clean exit), then NATS; removes temp dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.stop().catch(() => {})));
    await this.controller.stop().catch(() => {});
    await this.nats.stop().catch(() => {});
    for (const dir of this.dirs) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      liveDirs.delete(dir);
    }
  }
}

const cpuProfiler = fileURLToPath(new URL('../cpu-profiler.cjs', import.meta.url));

/**
 * The environment of a farm's Node processes. Node 20 refuses --cpu-prof in NODE_OPTIONS: with a
 * profile directory, preload bench/cpu-profiler.cjs, which profiles through the inspector.
 */
function nodeEnv(options: FarmOptions, name: string): Record<string, string> {
  const nodeOptions = [
    ...(options.profileDir ? [`--require ${cpuProfiler}`] : []),
    ...(options.perfMaps ? ['--perf-basic-prof'] : []),
  ];
  return {
    ...(nodeOptions.length > 0 ? { NODE_OPTIONS: nodeOptions.join(' ') } : {}),
    ...(options.profileDir ? { GANTRY_BENCH_CPU_PROFILE: join(options.profileDir, `${name}.cpuprofile`) } : {}),
  };
}

export function describeFailure(run: RunDetail): string {
  const jobs = run.stages.flatMap((stage) => stage.jobs).filter((job) => job.status !== 'succeeded');
  const first = jobs[0];
  return `run ${run.id} ended ${run.status}${run.error ? `: ${run.error}` : ''}${
    first ? ` (job ${first.name}: ${first.status} ${first.message ?? ''})` : ''
  }`;
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** A pipeline file: JSON is YAML, and JSON.stringify quotes every step exactly. */
export function pipelineFile(pipeline: unknown): string {
  return `${JSON.stringify(pipeline, null, 1)}\n`;
}

/** A pipeline of one stage `burst` holding one job `noop` of `true`, in a matrix of `cells` cells. */
export function noopMatrixPipeline(name: string, cells: number): string {
  const matrix = { i: Array.from({ length: cells }, (_, index) => String(index + 1)) };
  return pipelineFile({ name, stages: [{ name: 'burst', jobs: [{ name: 'noop', matrix, steps: ['true'] }] }] });
}

export const isoMs = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso));

const logsDir = fileURLToPath(new URL('../logs', import.meta.url));

/** Starts a farm, runs `body`, stops the farm; on failure saves its processes' output to bench/logs/ first. */
export async function withFarm<T>(options: FarmOptions, body: (farm: Farm) => Promise<T>): Promise<T> {
  const farm = await Farm.start(options);
  try {
    return await body(farm);
  } catch (error) {
    farm.saveLogs(logsDir);
    process.stderr.write(`[bench] output of the ${options.name} farm saved in ${logsDir}/\n`);
    throw error;
  } finally {
    await farm.stop();
  }
}
