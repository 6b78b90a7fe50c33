// Preloaded with NODE_OPTIONS="--require bench/cpu-profiler.cjs" by `npm run bench -- --profile`
// (Node 20 refuses --cpu-prof in NODE_OPTIONS, and the harness starts the controller and agents
// itself). Samples the CPU with the inspector's profiler from start-up and writes a .cpuprofile
// to $GANTRY_BENCH_CPU_PROFILE when the process exits normally (SIGTERM → graceful stop). The two
// variables are removed so nothing the process starts inherits them.
const env = process.env;
const [profileVariable, optionsVariable] = ['GANTRY_BENCH_CPU_PROFILE', 'NODE_OPTIONS'];
const out = env[profileVariable];
delete env[profileVariable];
delete env[optionsVariable];
if (out) {
  const inspector = require('node:inspector');
  const { writeFileSync } = require('node:fs');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // A session on the main thread answers synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error && result) writeFileSync(out, JSON.stringify(result.profile));
    });
  });
}
