// Tasks whose worker never comes back end LOST after the grace period, and their
// process groups are killed only after their identity (pid and start time) is
// verified: a pid that now belongs to another process is never signalled.
import { spawn } from 'node:child_process';
import t from 'tap';
import { LevelStore } from '../../src/daemon/store/level.js';
import { processStartTime, groupMembers } from '../../src/os/proc.js';
import { TestHome, testEnv, waitFor } from '../helpers/home.js';
import { draft } from '../helpers/tasks.js';
import { exited, SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

t.test("a worker that does not come back: its tasks end LOST; a pid that is now someone else's is not signalled", async (t) => {
  const h = new TestHome(t, { workers: false });
  // A process that has nothing to do with blanket, but whose pid a stale record names.
  const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  // A task's process group orphaned by a worker that is gone for good.
  const orphan = spawn('sh', ['-c', 'sleep 300 & sleep 300'], { detached: true, stdio: 'ignore', env: testEnv(h.dir) });
  t.teardown(() => {
    for (const p of [stranger.pid!, orphan.pid!]) {
      try {
        process.kill(-p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  await waitFor('the orphan group to have its members', () => groupMembers(orphan.pid!).length >= 2, 30_000);
  const strangerStart = processStartTime(stranger.pid!)!;
  const orphanStart = processStartTime(orphan.pid!)!;

  // The store as a daemon left it when it was killed: two tasks RUNNING on worker "ghost".
  const store = new LevelStore({ location: h.paths.db, resultsRoot: h.paths.results, sync: true });
  await store.open();
  const now = Date.now();
  const [a, b, unreported, unstarted] = await store.submit([draft(), draft(), draft(), draft()], now);
  for (const [task, pid, start] of [
    [a!, stranger.pid!, strangerStart + 1], // the pid was reused: its start time differs
    [b!, orphan.pid!, orphanStart],
  ] as const) {
    const claimed = await store.claim({ worker: 'ghost', tags: ['bash', 'unix'], now });
    t.equal(claimed?.task.id, task.id);
    await store.apply(task.id, { type: 'start', pid, pgid: pid, pidStart: start, at: now });
  }
  // Two claimed, never reported started: one did start (its worker died before saying so), one did not.
  for (const task of [unreported!, unstarted!]) t.equal((await store.claim({ worker: 'ghost', tags: ['bash', 'unix'], now }))?.task.id, task.id);
  await store.close();
  const started = spawn('sh', ['-c', 'sleep 300 & sleep 300'], {
    detached: true,
    stdio: 'ignore',
    env: { ...testEnv(h.dir), BLANKET_APP_TASK_ID: unreported!.id, BLANKET_APP_RESULTS_DIRECTORY: h.paths.results },
  });
  t.teardown(() => {
    try {
      process.kill(-started.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await waitFor('the unreported task to run', () => groupMembers(started.pid!).length >= 2, 30_000);

  const startedAt = Date.now();
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  const lost = await Promise.all([a!, b!].map((x) => h.waitState(x.id, ['LOST'], 60_000)));
  for (const x of lost) t.match(x.reason, /worker ghost: did not reconnect after the daemon restarted/, `${x.id}: LOST with a reason`);
  t.ok(lost[0]!.endedAt! - startedAt >= 14_000, 'after the reconnect grace period');
  t.notOk(exited(stranger.pid!), 'the process that reused a recorded pid was not signalled');
  await waitFor("the orphaned task's process group to be killed", () => groupMembers(orphan.pid!).length === 0, 30_000);
  t.pass('the verified orphan group was killed, every member');

  const found = await h.waitState(unreported!.id, ['LOST'], 30_000);
  t.equal(found.attempts[0]!.pid, started.pid, 'a claimed task whose process did start (found by its task id) ends LOST, with that pid');
  await waitFor('its process group to be killed', () => groupMembers(started.pid!).length === 0, 30_000);
  t.pass('and its process group was killed: it will not run twice');
  const back = await h.task(unstarted!.id);
  t.match(back, { state: 'WAITING', attempts: [] }, 'a claimed task that never started goes back to the queue');
  t.match(back.reason, /worker ghost/);
});
