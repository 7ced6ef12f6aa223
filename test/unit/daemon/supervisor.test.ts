// The supervisor forgets workers it no longer supervises once their process has exited, so
// starting and stopping workers over a long life does not grow it. Real child processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Supervisor } from '../../../src/daemon/workers/supervisor.js';
import { waitFor } from '../../helpers/home.js';

t.test('released workers are forgotten once they exit; supervised ones are kept', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-sup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in worker: lives until SIGTERM.
  const entry = path.join(dir, 'worker.js');
  writeFileSync(entry, "setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));\n");
  const quiet = { debug() {}, info() {}, warn() {}, error() {} } as never;
  const sup = new Supervisor({ entry, logsDir: dir, env: process.env, log: quiet, exited() {} });
  t.teardown(() => {
    sup.releaseAll();
    sup.terminateAll();
    return sup.waitAll(5000);
  });
  for (let i = 0; i < 5; i++) sup.start({ name: `w${i}`, slots: 1 });
  sup.start({ name: 'kept', slots: 1 });
  await waitFor('every worker to run', () => sup.tracked().every((n) => sup.pid(n) !== undefined));
  const pids = Array.from({ length: 5 }, (_, i) => sup.pid(`w${i}`)!);
  for (let i = 0; i < 5; i++) sup.release(`w${i}`);
  t.equal(sup.tracked().length, 6, 'released but still running: still tracked (waitAll waits for them)');
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  await waitFor('the released workers to be forgotten', () => sup.tracked().length === 1);
  t.same(sup.tracked(), ['kept']);
  t.ok(sup.has('kept'));
});
