// Many queued tasks, a worker with 50 slots: never more than 50 claimed or
// running at once (by the event stream and by /proc), every task ends, and the
// daemon's and worker's file descriptors and memory come back to where they were.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { TestHome, processesOf, waitFor } from '../helpers/home.js';
import { fdsOf, GroupLedger, rssOf, scale, SOAK } from '../helpers/reliability.js';

// Slow on a loaded machine: more than tap's default 180 s per file (the soak needs far more).
t.setTimeout(SOAK ? 3_600_000 : 900_000);

// 10 000 takes about 5 minutes on a busy 2-core machine (about 30 tasks a second end to end): the soak runs it.
const N = scale(2_000, 10_000);
const SLOTS = 50;
const HOLD = 100; // the first tasks sleep, so all 50 slots fill and the rest must wait

/** Distinct tasks that have a live process now, by their BLANKET_APP_TASK_ID. */
function runningTaskIds(home: string): Set<string> {
  const ids = new Set<string>();
  for (const p of processesOf(home)) {
    try {
      const m = /(?:^|\0)BLANKET_APP_TASK_ID=([0-9a-z]+)\0/.exec(readFileSync(`/proc/${p}/environ`, 'utf8'));
      if (m) ids.add(m[1]!);
    } catch {
      // gone
    }
  }
  return ids;
}

t.test(`${N} queued tasks on ${SLOTS} slots`, async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { workers: SLOTS, types: { hold: 'command = "sleep 3"\n', tiny: 'command = "true"\n' } });
  groups.home = h.dir;
  const c = await h.client();
  const worker = await waitFor('the worker', async () => (await c.call('worker.ls', {})).workers.find((w) => w.state === 'running'), 30_000);
  const daemon = (await c.call('daemon.status', {})).pid;

  // Warm up (code paths loaded, buffers grown), then take the baseline.
  await c.call('run.batch', { tasks: Array.from({ length: 100 }, () => ({ type: 'tiny' })) });
  await waitFor('the warm-up', async () => (await c.call('ps', { limit: 1 })).counts.SUCCESS === 100, 120_000);
  const base = { daemonFds: fdsOf(daemon), workerFds: fdsOf(worker.pid!), daemonRss: rssOf(daemon), workerRss: rssOf(worker.pid!) };

  let active = 0;
  let peak = 0;
  const state = new Map<string, string>();
  await c.subscribe({ kinds: ['task'] }, (e) => {
    if (e.kind !== 'task') return;
    const was = state.get(e.task.id) ?? 'WAITING';
    const wasActive = was === 'CLAIMED' || was === 'RUNNING';
    const isActive = e.task.state === 'CLAIMED' || e.task.state === 'RUNNING';
    state.set(e.task.id, e.task.state);
    active += Number(isActive) - Number(wasActive);
    peak = Math.max(peak, active);
  });

  const started = Date.now();
  const tasks = [...Array.from({ length: HOLD }, () => ({ type: 'hold' })), ...Array.from({ length: N - HOLD }, () => ({ type: 'tiny' }))];
  for (let i = 0; i < tasks.length; i += 2000) await c.call('run.batch', { tasks: tasks.slice(i, i + 2000) });
  const submitted = Date.now() - started;

  // Look at /proc now and then while the sleepers hold the slots.
  let procPeak = 0;
  for (let i = 0; i < 5; i++) {
    procPeak = Math.max(procPeak, runningTaskIds(h.dir).size);
    await new Promise((r) => setTimeout(r, 400));
  }
  await waitFor('every task to end', async () => (await c.call('ps', { limit: 1 })).counts.SUCCESS === N + 100, scale(600_000, 1_800_000));
  const took = Date.now() - started;
  t.comment(`${N} submitted in ${submitted} ms, all ended in ${Math.round(took / 1000)} s (${Math.round(N / (took / 1000))} tasks/s)`);
  t.ok(peak <= SLOTS, `never more than ${SLOTS} claimed or running at once (peak ${peak}, from the event stream)`);
  t.equal(peak, SLOTS, 'and the slots were all in use at some point');
  t.ok(procPeak <= SLOTS, `never more than ${SLOTS} tasks with live processes (peak ${procPeak}, from /proc)`);
  const counts = (await c.call('ps', { limit: 1 })).counts;
  t.match(counts, { SUCCESS: N + 100, ERROR: 0, LOST: 0, WAITING: 0, CLAIMED: 0, RUNNING: 0 });

  // Back to baseline: descriptors exactly (give or take the subscription's), memory within a margin (V8 keeps some heap).
  await waitFor('no task process left', () => runningTaskIds(h.dir).size === 0, 30_000);
  const after = await waitFor(
    'descriptors back to the baseline',
    () => {
      const now = { daemonFds: fdsOf(daemon), workerFds: fdsOf(worker.pid!) };
      return now.daemonFds <= base.daemonFds + 2 && now.workerFds <= base.workerFds + 1 ? now : undefined;
    },
    30_000,
  ).catch(() => ({ daemonFds: fdsOf(daemon), workerFds: fdsOf(worker.pid!) }));
  t.ok(after.daemonFds <= base.daemonFds + 2, `daemon fds: ${base.daemonFds} before, ${after.daemonFds} after (+1 for this test's subscription connection)`);
  t.ok(after.workerFds <= base.workerFds + 1, `worker fds: ${base.workerFds} before, ${after.workerFds} after`);
  const rss = { daemon: rssOf(daemon), worker: rssOf(worker.pid!) };
  const mb = (n: number) => Math.round(n / 1e6);
  t.ok(rss.daemon < base.daemonRss + 150e6, `daemon RSS ${mb(base.daemonRss)} MB before, ${mb(rss.daemon)} MB after`);
  t.ok(rss.worker < base.workerRss + 150e6, `worker RSS ${mb(base.workerRss)} MB before, ${mb(rss.worker)} MB after`);
});
