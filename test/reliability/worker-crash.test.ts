// A worker that dies (kill -9) or hangs (SIGSTOP, so it misses its heartbeats):
// its tasks end LOST and retry, their process groups are killed, and the
// worker is restarted with backoff.
import t from 'tap';
import type { Task } from '../../src/protocol/model.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { appendingType, exited, GroupLedger, liveMembers, ranCounts, SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

const types = { bg: appendingType('sleep 300 & sleep 300', 'retries = 1\nretry_backoff = "100ms"\n') };

async function retriedOnNewWorker(h: TestHome, id: string, oldPid: number): Promise<Task> {
  return waitFor(
    `task ${id} to run again on a restarted worker`,
    async () => {
      const x = await h.task(id);
      return x.state === 'RUNNING' && x.attempt === 2 && x.worker === 'local' ? x : undefined;
    },
    120_000, // a hung worker is lost after 3 missed heartbeats: 45 s
  ).then(async (x) => {
    const w = (await h.json(['worker', 'ls'])).workers.find((w: { id: string }) => w.id === 'local');
    if (w.pid === oldPid) throw new Error('the worker was not restarted');
    return x;
  });
}

for (const how of ['kill -9', 'SIGSTOP (missed heartbeats)'] as const) {
  t.test(`a worker lost by ${how} mid-task`, async (t) => {
    const groups = new GroupLedger(t);
    const h = new TestHome(t, { types, workers: 1 });
    groups.home = h.dir;
    const id = await h.submit(['bg']);
    const first = await h.waitState(id, ['RUNNING'], 60_000);
    groups.note([first]);
    // RUNNING is reported once the shell is spawned; its children come a moment later.
    await waitFor('the task, its background child and its sleep to run', () => liveMembers(first.pgid!, h.dir).length === 3, 30_000);
    t.pass('the task, its background child and its sleep run');
    const worker = (await h.json(['worker', 'ls'])).workers[0] as { pid: number; restarts: number };
    const lostAt = Date.now();
    process.kill(worker.pid, how === 'kill -9' ? 'SIGKILL' : 'SIGSTOP');

    const retried = await retriedOnNewWorker(h, id, worker.pid);
    groups.note([retried]);
    const a1 = retried.attempts[0]!;
    t.equal(a1.outcome, 'LOST', 'attempt 1 ended LOST');
    t.match(
      a1.reason,
      how === 'kill -9' ? /worker local: (worker process exited \(signal SIGKILL\)|its process exited)/ : /worker local: missed 3 heartbeats/,
      `with the reason: ${a1.reason}`,
    );
    if (how === 'kill -9') t.ok(a1.endedAt! - lostAt < 10_000, `noticed at once (${a1.endedAt! - lostAt} ms), not after the heartbeat window`);
    else t.ok(a1.endedAt! - lostAt >= 40_000, 'after the heartbeat window');
    t.same(liveMembers(first.pgid!, h.dir), [], "attempt 1's whole process group was killed");
    await waitFor('the old worker process to be gone', () => exited(worker.pid), 15_000);
    const now = (await h.json(['worker', 'ls'])).workers[0] as { pid: number; restarts: number; state: string };
    t.match(now, { state: 'running', restarts: 1 }, 'restarted once, under supervision');
    t.equal(ranCounts(h).get(id), 2, 'ran once per attempt');

    t.equal((await h.run(['kill', id])).code, 0);
    const stopped = await h.waitState(id, ['STOPPED'], 60_000);
    t.same(
      stopped.attempts.map((a) => a.outcome),
      ['LOST', 'STOPPED'],
    );
  });
}
