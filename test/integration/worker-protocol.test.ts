// The worker side of the protocol, spoken by this test as a worker would, against a real daemon:
// the slot count the daemon keeps, claims in a finished report, and reports arriving out of step.
import { spawn } from 'node:child_process';
import os from 'node:os';
import t, { type Test } from 'tap';
import type { Client } from '../../src/client/client.js';
import type { HeldTask, Task } from '../../src/protocol/model.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { killDaemon9 } from '../helpers/reliability.js';

const TYPES = { quiet: 'command = "true"\n' };

/** A registered fake worker with `slots` slots and `queued` tasks waiting. */
async function setup(t: Test, slots: number, queued: number): Promise<{ h: TestHome; c: Client; w: string; waiting: () => Promise<number> }> {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const c = await h.client();
  t.teardown(() => c.close());
  const reg = await c.call('worker.register', { name: 'fake', tags: ['bash'], slots, pid: process.pid, host: 'test', local: false, held: [] });
  for (let i = 0; i < queued; i++) await c.call('run', { type: 'quiet' });
  const waiting = async () => (await c.call('daemon.status', {})).counts.WAITING ?? 0;
  return { h, c, w: reg.worker.id, waiting };
}

async function start(c: Client, w: string, tasks: Task[]): Promise<void> {
  for (const x of tasks) await c.call('worker.started', { worker: w, id: x.id, attempt: x.attempt, pid: process.pid, pgid: process.pid, at: Date.now() });
}

function finished(c: Client, w: string, id: string, claim?: number, attempt = 1, exitCode = 0) {
  return c.call('worker.finished', { worker: w, id, attempt, exitCode, signal: null, cause: 'exit', at: Date.now(), ...(claim !== undefined ? { claim } : {}) });
}

t.test('a heartbeat older than a finished report does not take the freed slot back', async (t) => {
  const { c, w } = await setup(t, 2, 4);
  const { tasks } = await c.call('worker.claim', { worker: w, max: 2 });
  t.equal(tasks.length, 2);
  await start(c, w, tasks);
  await finished(c, w, tasks[0]!.id);
  // Sent before the finished report's reply came back: it still lists the finished task.
  await c.call('worker.heartbeat', { worker: w, running: tasks.map((x) => x.id) });
  const again = await c.call('worker.claim', { worker: w, max: 2 });
  t.equal(again.tasks.length, 1, 'the free slot is claimed');
  const me = (await c.call('worker.ls', {})).workers.find((x) => x.id === w);
  t.equal(me?.running.length, 2, 'the daemon counts the two that run');
});

t.test('a finished report claims the next tasks in its reply, never beyond the free slots', async (t) => {
  const { h, c, w, waiting } = await setup(t, 2, 5);
  const first = (await c.call('worker.claim', { worker: w, max: 2 })).tasks;
  await start(c, w, first);
  const r1 = await finished(c, w, first[0]!.id, 1);
  t.equal(r1.tasks?.length, 1, 'one next task for the one free slot');
  t.equal((await h.task(r1.tasks![0]!.id)).state, 'CLAIMED');
  await start(c, w, r1.tasks!);
  const r2 = await finished(c, w, first[1]!.id, 50);
  t.equal(r2.tasks?.length, 1, 'asking for 50 with one slot free gets one');
  t.equal(await waiting(), 1);
  const r3 = await finished(c, w, r1.tasks![0]!.id);
  t.equal(r3.tasks, undefined, 'without claim, no tasks in the reply');
  t.equal(await waiting(), 1, 'and nothing claimed');
});

t.test('a claim and a finished report racing never exceed the slots', async (t) => {
  const { c, w } = await setup(t, 3, 12);
  const first = (await c.call('worker.claim', { worker: w, max: 3 })).tasks;
  await start(c, w, first);
  // One slot frees; a wake-triggered claim and the report's own claim go out together.
  const [claimed, rep] = await Promise.all([c.call('worker.claim', { worker: w, max: 3 }), finished(c, w, first[0]!.id, 3)]);
  t.equal(claimed.tasks.length + (rep.tasks?.length ?? 0), 1, 'together they take the one free slot');
  const me = (await c.call('worker.ls', {})).workers.find((x) => x.id === w);
  t.equal(me?.running.length, 3);
});

const RETRIED = { flaky: 'command = "true"\nretries = 1\nretry_backoff = "100ms"\n', quiet: 'command = "true"\n' };

/** The pid of a process that has exited: a "local" worker with it is lost as soon as its connection closes. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

async function register(h: TestHome, name: string, pid: number, opts: { local?: boolean; held?: HeldTask[]; slots?: number } = {}): Promise<Client> {
  const c = await h.client();
  await c.call('worker.register', { name, tags: ['bash'], slots: opts.slots ?? 1, pid, host: os.hostname(), local: opts.local ?? false, held: opts.held ?? [] });
  return c;
}

/** Claim until the task is offered (a retry waits out its backoff first). */
function claimed(c: Client, w: string): Promise<Task> {
  return waitFor(`worker ${w} to claim`, async () => (await c.call('worker.claim', { worker: w, max: 1 })).tasks[0]);
}

/** Worker `a` runs attempt 1 and is lost; the retry (attempt 2) is claimed by `second` and runs. */
async function lostThenRetried(t: Test, second: 'b' | 'a'): Promise<{ h: TestHome; id: string; cb: Client }> {
  const h = new TestHome(t, { workers: false, types: RETRIED });
  const dead = await deadPid();
  const ca = await register(h, 'a', dead, { local: true });
  const { task } = await ca.call('run', { type: 'flaky' });
  const first = await claimed(ca, 'a');
  t.equal(first.id, task.id);
  await start(ca, 'a', [first]);
  ca.close(); // its process is gone: lost at once, the task retries
  await waitFor('attempt 1 to end LOST', async () => (await h.task(task.id)).attempt === 2);
  const cb = await register(h, second, second === 'a' ? dead : process.pid, { local: second === 'a' });
  const retry = await claimed(cb, second);
  t.match(retry, { id: task.id, attempt: 2, worker: second });
  await start(cb, second, [retry]);
  return { h, id: task.id, cb };
}

t.test('a late report from a lost worker is refused; the retry another worker runs is unaffected', async (t) => {
  const { h, id, cb } = await lostThenRetried(t, 'b');
  const late = await register(h, 'a', await deadPid());
  t.teardown(() => late.close());
  await t.rejects(finished(late, 'a', id, undefined, 1, 1), { code: 'STALE_REPORT' }, "a's exit for attempt 1 is refused");
  await t.rejects(late.call('worker.started', { worker: 'a', id, attempt: 1, pid: process.pid, pgid: process.pid, at: Date.now() }), { code: 'STALE_REPORT' });
  await t.rejects(late.call('worker.unclaim', { worker: 'a', id, attempt: 1, reason: 'x' }), { code: 'STALE_REPORT' });
  await t.rejects(finished(cb, 'b', id, undefined, 1, 1), { code: 'STALE_REPORT' }, 'the holder naming another attempt is refused too');
  t.match(await h.task(id), { state: 'RUNNING', worker: 'b', attempt: 2 }, "b's attempt runs on");
  await finished(cb, 'b', id, undefined, 2, 0);
  const done = await h.task(id);
  t.equal(done.state, 'SUCCESS', "it ends with b's result");
  t.same(
    done.attempts.map((a) => [a.worker, a.outcome]),
    [
      ['a', 'LOST'],
      ['b', 'SUCCESS'],
    ],
  );
});

t.test('a worker that lost attempt 1 and runs attempt 2 cannot end it with attempt 1 (directly or on re-register)', async (t) => {
  const { h, id, cb } = await lostThenRetried(t, 'a');
  await t.rejects(finished(cb, 'a', id, undefined, 1, 1), { code: 'STALE_REPORT' });
  cb.close();
  // Back again, holding attempt 1's exit (as a worker that kept it through the disconnection would).
  const again = await register(h, 'a', process.pid, { held: [{ id, attempt: 1, exit: { exitCode: 1, signal: null, cause: 'exit', at: Date.now() } }] });
  t.teardown(() => again.close());
  t.match(await h.task(id), { attempt: 2 }, 'attempt 2 is not ended by the exit of attempt 1');
  t.not((await h.task(id)).state, 'ERROR');
});

t.test('after a daemon restart the slots a re-registering worker uses are counted from the store', async (t) => {
  const h = new TestHome(t, { workers: false, types: RETRIED });
  const c = await register(h, 'one', process.pid);
  const { task } = await c.call('run', { type: 'quiet' });
  const mine = await claimed(c, 'one');
  await start(c, 'one', [mine]);
  t.ok(await killDaemon9(h));
  c.close();
  t.equal((await h.run(['daemon', 'start'])).code, 0, 'a new daemon starts');
  const again = await register(h, 'one', process.pid, { held: [{ id: task.id, attempt: 1, pid: process.pid, pgid: process.pid, startedAt: mine.createdAt }] });
  t.teardown(() => again.close());
  const me = (await again.call('worker.ls', {})).workers.find((w) => w.id === 'one');
  t.same(me?.running, [task.id], 'the task it still runs fills its one slot');
  await again.call('run', { type: 'quiet' });
  t.same((await again.call('worker.claim', { worker: 'one', max: 1 })).tasks, [], 'no second task beyond its slots');
  await finished(again, 'one', task.id);
  t.equal((await again.call('worker.claim', { worker: 'one', max: 1 })).tasks.length, 1, 'the next one once the slot is free');
});

t.test('a kill while the worker is away is delivered when it registers again', async (t) => {
  const h = new TestHome(t, { workers: false, types: RETRIED });
  const c = await register(h, 'one', process.pid);
  const { task } = await c.call('run', { type: 'quiet' });
  await start(c, 'one', [await claimed(c, 'one')]);
  t.ok(await killDaemon9(h));
  c.close();
  t.equal((await h.run(['daemon', 'start'])).code, 0, 'a new daemon starts');
  const r = await h.run(['kill', '-s', 'INT', task.id]);
  t.equal(r.code, 0);
  t.match(r.stdout, /stopping \(SIGINT\): its worker is away; delivered when it reconnects/);
  const back = await h.client();
  const kills: unknown[] = [];
  back.onNotification('control', (m) => kills.push(m));
  await back.call('worker.register', {
    name: 'one',
    tags: ['bash'],
    slots: 1,
    pid: process.pid,
    host: 'test',
    local: false,
    held: [{ id: task.id, attempt: 1, pid: process.pid, pgid: process.pid }],
  });
  t.teardown(() => back.close());
  await waitFor('the kill to arrive', () => kills.length > 0);
  t.same(kills, [{ action: 'kill', id: task.id, signal: 'SIGINT' }]);
});

t.test('dead workers are forgotten but for the most recent', async (t) => {
  const h = new TestHome(t, { workers: false });
  const dead = await deadPid();
  const names = Array.from({ length: 30 }, (_, i) => `gone-${String(i).padStart(2, '0')}`);
  const c = await h.client();
  for (const name of names) {
    const w = await register(h, name, dead, { local: true });
    w.close(); // its process is gone: lost at once
    await waitFor(`${name} to be lost`, async () => (await c.call('worker.ls', {})).workers.find((x) => x.id === name)?.state === 'lost');
  }
  const left = (await c.call('worker.ls', {})).workers.map((w) => w.id);
  t.same(left, names.slice(-20), 'the 20 that died last are kept for worker ls');
  c.close();
});
