// The lost wake-up of docs/performance.md, deterministically: a fake worker reports a task
// finished, then sends a heartbeat that still lists it (what a heartbeat computed before the
// report's reply does). The daemon then counts the finished task as running and refuses the
// worker's next claim although a slot is free and tasks wait. Prints what it saw; exit 1 if
// the claim was refused.   node bench/repro/stale-heartbeat.mjs   (after npm run build)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const R = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { connect } = await import(`${R}/dist/client/connect.js`);
const { resolvePaths } = await import(`${R}/dist/core/paths.js`);
const home = mkdtempSync(path.join(os.tmpdir(), 'bkr-'));
writeFileSync(`${home}/config.toml`, 'sync_writes = false\n[worker]\nslots = 0\n');
const env = { ...process.env, BLANKET_HOME: home };
delete env.NODE_EXTRA_CA_CERTS;
execFileSync(process.execPath, [`${R}/bin/run.js`, 'daemon', 'start'], { env });
const paths = resolvePaths({ BLANKET_HOME: home }, process.platform, os.homedir());
const w = await connect({ paths, autostart: false, clientName: 'fake worker' });
try {
  const reg = await w.call('worker.register', { name: 'fake', tags: ['sh'], slots: 2, pid: process.pid, host: 'x', local: false, held: [] });
  const id = reg.worker.id;
  for (let i = 0; i < 4; i++) await w.call('run', { type: 'shell', env: { COMMAND: 'true' } });
  const { tasks } = await w.call('worker.claim', { worker: id, max: 2 });
  const [x, y] = tasks;
  for (const t of tasks) await w.call('worker.started', { worker: id, id: t.id, pid: process.pid, pgid: process.pid, at: Date.now() });
  // X ends; its report is answered; then a heartbeat computed before that answer arrives (X still listed).
  await w.call('worker.finished', { worker: id, id: x.id, exitCode: 0, signal: null, cause: 'exit', at: Date.now() });
  await w.call('worker.heartbeat', { worker: id, running: [x.id, y.id] });
  const again = await w.call('worker.claim', { worker: id, max: 1 });
  const ls = (await w.call('worker.ls', {})).workers.find((k) => k.id === id);
  const st = await w.call('daemon.status', {});
  console.log(JSON.stringify({ claimedAfterStaleHeartbeat: again.tasks.length, daemonThinksRunning: ls.running, finished: x.id, waiting: st.counts.WAITING }));
  process.exitCode = again.tasks.length === 0 ? 1 : 0;
} finally {
  w.close();
  execFileSync(process.execPath, [`${R}/bin/run.js`, 'daemon', 'stop'], { env });
  rmSync(home, { recursive: true, force: true });
}
