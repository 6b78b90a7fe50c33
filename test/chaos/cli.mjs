#!/usr/bin/env node
// `npm run chaos -- [--seed N] [--jobs N] [--agents N] [--slots N] [--controllers N] [--nats-cluster N] [--no-faults] [--keep]`:
// runs the full chaos profile (full.chaos.ts) through vitest with those values
// as CHAOS_* variables. Without --seed a random one is drawn; it is printed
// first so a failing run can be replayed exactly. --no-faults runs the workload
// alone (a baseline); --keep keeps the farm logs and events file.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage =
  'usage: npm run chaos -- [--seed N] [--jobs N] [--agents N] [--slots N] [--controllers N] [--nats-cluster N] [--no-faults] [--keep]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      jobs: { type: 'string' },
      agents: { type: 'string' },
      slots: { type: 'string' },
      controllers: { type: 'string' },
      'nats-cluster': { type: 'string' },
      'no-faults': { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
for (const [name, value] of Object.entries(values)) {
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    console.error(`--${name} ${JSON.stringify(value)}: must be a non-negative integer\n${usage}`);
    process.exit(2);
  }
}

const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const jobs = values.jobs ?? '300';
const agents = values.agents ?? '4';
const slots = values.slots ?? '2';
const controllers = values.controllers ?? '1';
const natsCluster = values['nats-cluster'] ?? '1';
const replayArgs = `--seed ${seed} --jobs ${jobs} --agents ${agents} --slots ${slots} --controllers ${controllers} --nats-cluster ${natsCluster}`;
const replay = `npm run chaos -- ${replayArgs}${values['no-faults'] ? ' --no-faults' : ''}`;
console.log(
  `chaos seed=${seed} jobs=${jobs} agents=${agents} slots=${slots} controllers=${controllers} nats-cluster=${natsCluster}`,
);
console.log(`replay: ${replay}`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', '--config', 'test/chaos/vitest.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    CHAOS_SEED: seed,
    CHAOS_JOBS: jobs,
    CHAOS_AGENTS: agents,
    CHAOS_SLOTS: slots,
    CHAOS_CONTROLLERS: controllers,
    CHAOS_NATS_CLUSTER: natsCluster,
    CHAOS_NO_FAULTS: values['no-faults'] ? '1' : '',
    CHAOS_KEEP: values.keep ? '1' : '',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  console.log(`chaos seed=${seed}: ${code === 0 ? 'passed' : 'FAILED'} (replay: npm run chaos -- ${replayArgs})`);
  process.exit(code ?? (signal ? 1 : 0));
});
