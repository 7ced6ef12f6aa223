// kill -9 of the daemon with work in flight: workers and their tasks outlive it,
// the next daemon adopts them, nothing queued is lost or reordered, nothing runs twice.
import t from 'tap';
import { TERMINAL_STATES } from '../../src/protocol/model.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { allTasks, appendingType, exited, GroupLedger, killDaemon9, liveMembers, ranCounts, SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

const types = {
  crash: appendingType('sleep 3; exit 7', 'timeout = 120\n'),
  later: 'command = "true"\ntags = ["later"]\n',
  long: appendingType('sleep 300', 'retries = 1\nretry_backoff = "100ms"\n'),
};
const DONE = [...TERMINAL_STATES];

t.test('kill -9 of the daemon with 10 tasks running and 100 queued', async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { types, workers: 10 });
  groups.home = h.dir;
  const c = await h.client();
  const { ids: running } = await c.call('run.batch', { tasks: Array.from({ length: 10 }, () => ({ type: 'crash' })) });
  // Nobody has the tag "later": these stay queued, so their order can be checked after the crash.
  const { ids: queued } = await c.call('run.batch', { tasks: Array.from({ length: 100 }, () => ({ type: 'later' })) });
  groups.note(await Promise.all(running.map((id) => h.waitState(id, ['RUNNING'], 30_000))));
  const worker = (await c.call('worker.ls', {})).workers.find((w) => w.id === 'local')!;

  t.ok(await killDaemon9(h), 'the daemon is killed with SIGKILL');
  t.notOk(exited(worker.pid!), 'its worker outlives it');

  t.equal((await h.run(['daemon', 'start'])).code, 0, 'a new daemon starts');
  const done = await Promise.all(running.map((id) => h.waitState(id, DONE, 60_000)));
  for (const task of done) {
    t.equal(task.state, 'ERROR', `${task.id} ends ERROR`);
    t.equal(task.exitCode, 7, `${task.id}: its true exit code`);
    t.equal(task.attempts.length, 1, `${task.id}: one attempt`);
  }
  const c2 = await h.client();
  const ps = await c2.call('ps', { states: ['WAITING'], limit: 200 });
  t.same(
    ps.queued.map((x) => x.id),
    queued,
    'the 100 are still queued, in order',
  );
  const tasks = await allTasks(c2);
  t.equal(tasks.length, 110, 'no task vanished, none was added');
  t.equal(new Set(tasks.map((x) => x.id)).size, 110, 'no duplicates');
  const ran = ranCounts(h);
  t.same(
    running.map((id) => ran.get(id)),
    running.map(() => 1),
    'each running task ran exactly once',
  );
  t.equal(queued.filter((id) => ran.has(id)).length, 0, 'no queued task ran');
  const adopted = (await c2.call('worker.ls', {})).workers.find((w) => w.id === 'local');
  t.equal(adopted?.pid, worker.pid, 'the worker was adopted, not replaced');
  t.same(liveMembers(done[0]!.attempts[0]!.pid!, h.dir), [], 'their process groups are gone');

  await t.test('then kill -9 of the adopted worker mid-task: LOST, group killed, retried on a restarted worker', async (t) => {
    const { task } = await c2.call('run', { type: 'long' });
    const first = await h.waitState(task.id, ['RUNNING'], 60_000);
    groups.note([first]);
    process.kill(worker.pid!, 'SIGKILL');
    const retried = await waitFor(
      'attempt 2 to run',
      async () => {
        const x = await h.task(task.id);
        return x.state === 'RUNNING' && x.attempt === 2 ? x : undefined;
      },
      60_000,
    );
    groups.note([retried]);
    t.equal(retried.attempts[0]!.outcome, 'LOST', 'attempt 1 ended LOST');
    t.match(retried.attempts[0]!.reason, /worker local/, 'with a reason');
    await waitFor("attempt 1's process group to be gone", () => liveMembers(first.pgid!, h.dir).length === 0, 30_000);
    const restarted = (await c2.call('worker.ls', {})).workers.find((w) => w.id === 'local')!;
    t.not(restarted.pid, worker.pid, 'a new local worker runs');

    // The restarted worker is recorded: the next daemon adopts it instead of starting a second one.
    t.ok(await killDaemon9(h));
    t.equal((await h.run(['daemon', 'start'])).code, 0);
    const c3 = await h.client();
    const w = await waitFor('the worker to reconnect', async () => (await c3.call('worker.ls', {})).workers.find((x) => x.id === 'local' && x.state === 'running'), 30_000);
    t.equal(w.pid, restarted.pid, 'the same worker, adopted');
    t.equal((await c3.call('worker.ls', {})).workers.length, 1, 'and only it');
    const still = await h.task(task.id);
    t.match(still, { state: 'RUNNING', attempt: 2, pid: retried.pid }, 'attempt 2 kept running through the crash');
    t.equal((await h.run(['kill', task.id])).code, 0);
    await h.waitState(task.id, ['STOPPED'], 60_000);
    t.equal(ranCounts(h).get(task.id), 2, 'two attempts, two runs');
  });
});

t.test('a kill asked for while the worker is away (daemon restarted, worker not back yet) is delivered when it reconnects', async (t) => {
  const groups = new GroupLedger(t);
  const h = new TestHome(t, { types: { long: appendingType('sleep 300') }, workers: 1 });
  groups.home = h.dir;
  const id = await h.submit(['long']);
  const running = await h.waitState(id, ['RUNNING'], 60_000);
  groups.note([running]);
  const worker = (await h.json(['worker', 'ls'])).workers.find((w: { id: string }) => w.id === 'local') as { pid: number };
  process.kill(worker.pid, 'SIGSTOP'); // it cannot reconnect until SIGCONT
  t.teardown(() => {
    if (!exited(worker.pid)) process.kill(worker.pid, 'SIGCONT');
  });
  t.ok(await killDaemon9(h));
  t.equal((await h.run(['daemon', 'start'])).code, 0, 'a new daemon starts');
  const r = await h.run(['kill', id]);
  t.equal(r.code, 0, 'kill answers at once');
  t.match(r.stdout, /stopping \(SIGTERM\): its worker is away; delivered when it reconnects/);
  t.equal((await h.task(id)).state, 'RUNNING', 'the task still runs meanwhile');
  process.kill(worker.pid, 'SIGCONT');
  const stopped = await h.waitState(id, ['STOPPED'], 60_000);
  t.equal(stopped.attempts.length, 1, 'stopped, not lost and retried');
  t.same(liveMembers(running.pgid!, h.dir), [], 'its process group is gone');
  t.notOk(exited(worker.pid), 'by the same worker, which lives on');
});
