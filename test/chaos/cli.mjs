#!/usr/bin/env node
// `npm run chaos -- [--seed N] [--jobs N] [--agents N] [--slots N]`: runs the
// full chaos profile (full.chaos.ts) through vitest with those values as
// CHAOS_* variables. Without --seed a random one is drawn; it is printed first
// so a failing run can be replayed exactly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = 'usage: npm run chaos -- [--seed N] [--jobs N] [--agents N] [--slots N]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      jobs: { type: 'string' },
      agents: { type: 'string' },
      slots: { type: 'string' },
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
  if (name !== 'help' && !/^\d+$/.test(value)) {
    console.error(`--${name} ${JSON.stringify(value)}: must be a non-negative integer\n${usage}`);
    process.exit(2);
  }
}

const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const jobs = values.jobs ?? '300';
const agents = values.agents ?? '4';
const slots = values.slots ?? '2';
console.log(`chaos seed=${seed} jobs=${jobs} agents=${agents} slots=${slots}`);
console.log(`replay: npm run chaos -- --seed ${seed} --jobs ${jobs} --agents ${agents} --slots ${slots}`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', '--config', 'test/chaos/vitest.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CHAOS_SEED: seed, CHAOS_JOBS: jobs, CHAOS_AGENTS: agents, CHAOS_SLOTS: slots },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  console.log(
    `chaos seed=${seed}: ${code === 0 ? 'passed' : 'FAILED'} (replay: npm run chaos -- --seed ${seed} --jobs ${jobs} --agents ${agents} --slots ${slots})`,
  );
  process.exit(code ?? (signal ? 1 : 0));
});
