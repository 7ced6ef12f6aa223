// The worker side of the protocol, spoken by this test as a worker would, against a real daemon:
// the slot count the daemon keeps, claims in a finished report, and reports arriving out of step.
import t, { type Test } from 'tap';
import type { Client } from '../../src/client/client.js';
import type { Task } from '../../src/protocol/model.js';
import { TestHome } from '../helpers/home.js';

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
  for (const x of tasks) await c.call('worker.started', { worker: w, id: x.id, pid: process.pid, pgid: process.pid, at: Date.now() });
}

function finished(c: Client, w: string, id: string, claim?: number) {
  return c.call('worker.finished', { worker: w, id, exitCode: 0, signal: null, cause: 'exit', at: Date.now(), ...(claim !== undefined ? { claim } : {}) });
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
