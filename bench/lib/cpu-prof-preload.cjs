// Preloaded through NODE_OPTIONS="--require …" (node 20 refuses --cpu-prof
// there) so that the daemon and the workers it spawns are CPU-profiled: the
// profile goes to $BENCH_CPU_PROF_DIR/<role>-<pid>.cpuprofile when the process
// exits. The in-thread inspector session answers synchronously, so the
// profile can be taken in the 'exit' handler.
'use strict';
const inspector = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROF_DIR;
const entry = process.argv[1] ?? '';
const role = /daemon[\\/]main\.js$/.test(entry) ? 'daemon' : /worker[\\/]main\.js$/.test(entry) ? 'worker' : /bin[\\/]run\.js$/.test(entry) ? 'cli' : 'node';
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROF_INTERVAL ?? 250) });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
