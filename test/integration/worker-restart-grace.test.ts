// A local worker restarted during the daemon's first seconds is the daemon's own child, not a
// worker from before: the check that stops workers from before that did not reconnect (15 s
// after start) must leave it to start up, however slowly. It once stopped it (CI, under load):
// a second restart, and "one restart" failed in workers.test.ts.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TestHome, waitFor } from '../helpers/home.js';

const PRELOAD = path.resolve(import.meta.dirname, '../fixtures/stall/worker.cjs');
/** RECONNECT_GRACE_MS in src/daemon/workers/local.ts, and a margin. */
const GRACE_MS = 15_000 + 1_500;

t.test('a worker restarted before the reconnect grace ends is left to start up', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const stall = path.join(h.dir, 'stall');
  const started = Date.now();
  const r = await h.run(['daemon', 'start'], { env: { NODE_OPTIONS: `--require ${PRELOAD}`, BLANKET_TEST_STALL: stall } });
  t.equal(r.code, 0, r.stderr);
  const local = async () => (await h.json(['worker', 'ls'])).workers.find((w: { id: string }) => w.id === 'local');
  const before = await waitFor('the local worker', async () => ((await local())?.state === 'running' ? await local() : undefined));

  writeFileSync(stall, ''); // the next worker stalls before it connects
  process.kill(before.pid, 'SIGKILL');
  // The registry knows a worker once it connects; the daemon's log says when it was started.
  await waitFor(
    'the worker to be restarted',
    async () => (await h.ok(['daemon', 'logs', '-n', '50'])).match(/worker started +worker=local workerPid=(\d+)/g)?.length === 2 || undefined,
  );
  // Nothing to observe while the restarted worker is stalled: the daemon's check runs on its own
  // clock. Wait until it has run (15 s after the daemon started), then let the worker go on.
  await waitFor('the reconnect grace to pass', () => Date.now() - started > GRACE_MS, GRACE_MS + 5_000);
  rmSync(stall);

  const after = await waitFor('the restarted worker to connect', async () => {
    const w = await local();
    return w?.state === 'running' && w.pid !== before.pid ? w : undefined;
  });
  const logs = await h.ok(['daemon', 'logs', '-n', '200']);
  t.notMatch(logs, /did not reconnect/, 'the restarted worker was not taken for one from before');
  t.equal(after.restarts, 1, 'one restart');
  const id = await h.submit(['--', 'true']);
  await h.waitState(id, ['SUCCESS']);
});
