/**
 * `npm run bench`: the performance suite. Starts one PostgreSQL
 * server (and per scenario a fresh database, nats-server, controller and
 * agents) through the test harness, runs the selected scenarios, prints one
 * `name=value` line per figure on stdout and writes bench/results.json.
 * See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../../test/src/harness/index.js';
import { calibrateClock } from './clock.js';
import { perfUnavailable } from './perf.js';
import { summarizeProfiles } from './profile.js';
import { line, progress, Report } from './report.js';
import { artifactsScenario } from './scenarios/artifacts.js';
import { cacheScenario } from './scenarios/cache.js';
import { ceilingScenario } from './scenarios/ceiling.js';
import { dbRoundTripsScenario } from './scenarios/db-round-trips.js';
import { dispatchScenario } from './scenarios/dispatch.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { overheadScenario } from './scenarios/overhead.js';
import { scaleScenario } from './scenarios/scale.js';
import { throughputScenario } from './scenarios/throughput.js';
import type { Scenario } from './scenarios/types.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

const scenarios: Scenario[] = [
  dispatchScenario('postgres'),
  throughputScenario,
  fanoutScenario,
  overheadScenario,
  scaleScenario,
  dbRoundTripsScenario,
  artifactsScenario,
  cacheScenario,
  dispatchScenario('pglite'),
  ceilingScenario,
];

const usage = `usage: npm run bench -- [--quick] [--only NAME[,NAME…]] [--profile] [--perf] [--out FILE]
  --quick      smaller profile (fewer runs and jobs), ~5 min
  --only       run only these scenarios: ${scenarios.map((scenario) => scenario.name).join(', ')}
  --profile    also write V8 CPU profiles of the controller and agents to bench/profiles/
               and print their hottest functions (figures are then slower: profiling costs CPU)
  --perf       record the throughput burst and the fan-out runs with Linux perf(1) and print where the
               controller's, the agents', PostgreSQL's and NATS's CPU per job went (JIT, GC, kernel, each library);
               written to bench/perf/; figures are then slower
  --out FILE   results file (default bench/results.json)
scenarios:
${scenarios.map((scenario) => `  ${scenario.name.padEnd(16)} ${scenario.description}`).join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  let options: { quick?: boolean; only?: string; profile?: boolean; perf?: boolean; out?: string; help?: boolean };
  try {
    options = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        profile: { type: 'boolean' },
        perf: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const wanted = options.only?.split(',').map((name) => name.trim()) ?? scenarios.map((scenario) => scenario.name);
  const unknown = wanted.filter((name) => !scenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}\n${usage}`);
    return 2;
  }
  const selected = scenarios.filter((scenario) => wanted.includes(scenario.name));
  const quick = options.quick ?? false;
  const profileDir = options.profile ? join(benchDir, 'profiles') : undefined;
  const perfProblem = options.perf ? perfUnavailable() : undefined;
  if (perfProblem) {
    process.stderr.write(`bench: ${perfProblem}\n`);
    return 2;
  }
  const perfDir = options.perf ? join(benchDir, 'perf') : undefined;
  if (perfDir) {
    rmSync(perfDir, { recursive: true, force: true });
    mkdirSync(perfDir, { recursive: true });
  }
  rmSync(join(benchDir, 'logs'), { recursive: true, force: true });
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }

  const report = new Report();
  const startedAt = new Date();
  const loadBefore = loadavg();
  progress(`${quick ? 'quick' : 'full'} profile: ${selected.map((scenario) => scenario.name).join(', ')}`);
  let postgres: PostgresServer | undefined;
  let postgresVersion = 'unknown';
  try {
    postgres = await startPostgres();
    postgresVersion = await serverVersion(postgres.url);
    for (const scenario of selected) {
      calibrateClock();
      const scenarioStart = Date.now();
      progress(`── ${scenario.name}`);
      try {
        await scenario.run({ postgres, quick, report, profileDir, perfDir });
      } catch (error) {
        progress(`${scenario.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        report.error(scenario.name, error);
      }
      report.diagnostic(`${scenario.name.replace(/-/g, '_')}_scenario_s`, (Date.now() - scenarioStart) / 1000);
      if (profileDir) report.detail(`${scenario.name}_profiles`, summarizeProfiles(profileDir, scenario.name));
    }
  } finally {
    await postgres?.stop().catch(() => {});
  }

  const { met, missed } = report.targetSummary();
  line('targets_met', met.join(',') || '-');
  line('targets_missed', missed.join(',') || '-');
  const results = {
    suite: 'gantry-bench',
    version: 1,
    profile: quick ? 'quick' : 'full',
    profiling: profileDir !== undefined || perfDir !== undefined,
    scenarios: selected.map((scenario) => scenario.name),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: machine(postgresVersion, loadBefore),
    figures: report.figures,
    diagnostics: report.diagnostics,
    targets: { met, missed },
    errors: report.errors,
    details: report.details,
  };
  const out = options.out ?? join(benchDir, 'results.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${out} in ${results.durationS.toFixed(0)} s`);
  printTable(report);
  return Object.keys(report.errors).length > 0 ? 1 : 0;
}

function machine(postgresVersion: string, loadBefore: number[]) {
  const run = (file: string, args: string[]) => {
    try {
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const natsBinary = ['/usr/sbin/nats-server', 'nats-server'].find((file) => run(file, ['--version']) !== 'unknown');
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    node: process.version,
    natsServer: natsBinary ? run(natsBinary, ['--version']) : 'unknown',
    postgres: postgresVersion,
    git: run('git', ['-C', repoRoot, 'describe', '--always', '--dirty']),
  };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

function printTable(report: Report): void {
  const rows = report.figures.map((figure) => {
    const target = figure.target
      ? `${figure.target.op} ${figure.target.value}${figure.targetOnRatio ? '×' : ` ${figure.unit}`}: ${
          figure.met === undefined ? '?' : figure.met ? 'met' : 'MISSED'
        }`
      : '';
    return `  ${figure.name.padEnd(38)} ${fmt(figure.value).padStart(9)} ${figure.unit.padEnd(7)} baseline ${fmt(
      figure.baseline,
    ).padStart(9)}  ×${fmt(figure.ratio).padEnd(7)} ${target}`;
  });
  process.stderr.write(`\nfigures (value, baseline, ratio, target):\n${rows.join('\n')}\n`);
  for (const [scenario, message] of Object.entries(report.errors)) {
    process.stderr.write(`  ${scenario}: FAILED: ${message.split('\n')[0]}\n`);
  }
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}
