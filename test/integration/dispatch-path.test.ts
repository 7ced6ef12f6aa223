// The daemon's per-task path, observed through a real daemon and its real LevelDB files: the store
// batches a task costs (its write-ahead log's records), and tasks offered to an idle worker.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Client } from '../../src/client/client.js';
import type { ControlMessage } from '../../src/protocol/methods.js';
import type { Task } from '../../src/protocol/model.js';
import { logRecords } from '../../src/daemon/store/files/leveldb.js';
import { TestHome, waitFor } from '../helpers/home.js';

const TYPES = { quiet: 'command = "true"\n', flaky: 'command = "true"\nretries = 1\nretry_backoff = "0s"\n' };

/** Batches written so far: the logical records of the store's write-ahead logs (one per batch). */
function batches(h: TestHome): number {
  let n = 0;
  for (const f of readdirSync(h.paths.db)) if (f.endsWith('.log')) n += logRecords(readFileSync(path.join(h.paths.db, f)), f, []).length;
  return n;
}

/** A worker spoken by this test: registered on its own connection, its control messages kept. */
async function fakeWorker(t: Test, h: TestHome, slots: number, offers?: boolean): Promise<{ c: Client; w: string; control: ControlMessage[] }> {
  const c = await h.client();
  t.teardown(() => c.close());
  const control: ControlMessage[] = [];
  c.onNotification('control', (m) => control.push(m as ControlMessage));
  const reg = await c.call('worker.register', {
    name: 'fake',
    tags: ['bash'],
    slots,
    pid: process.pid,
    host: 'test',
    local: false,
    held: [],
    ...(offers !== undefined ? { offers } : {}),
  });
  return { c, w: reg.worker.id, control };
}

function started(c: Client, w: string, x: Task) {
  return c.call('worker.started', { worker: w, id: x.id, attempt: x.attempt, pid: process.pid, pgid: process.pid, at: Date.now() });
}

function finished(c: Client, w: string, x: Task, claim: number, exitCode = 0) {
  return c.call('worker.finished', { worker: w, id: x.id, attempt: x.attempt, exitCode, signal: null, cause: 'exit', at: Date.now(), claim });
}

t.test("a task's exit and the claim of the next one for its slot are one store batch", async (t) => {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const { c, w } = await fakeWorker(t, h, 1);
  for (let i = 0; i < 3; i++) await c.call('run', { type: 'quiet' });
  let [x] = (await c.call('worker.claim', { worker: w, max: 1 })).tasks;
  for (let i = 0; i < 2; i++) {
    await started(c, w, x!);
    const before = batches(h);
    const r = await finished(c, w, x!, 1);
    t.equal(batches(h) - before, 1, `exit ${i + 1} and the next claim: one batch`);
    t.equal(r.tasks?.length, 1, 'the next task came in the reply');
    t.equal((await c.call('show', { id: x!.id })).task.state, 'SUCCESS');
    t.equal((await c.call('show', { id: r.tasks![0]!.id })).task.state, 'CLAIMED');
    x = r.tasks![0];
  }
  await started(c, w, x!);
  const before = batches(h);
  t.same((await finished(c, w, x!, 1)).tasks, [], 'nothing left to claim');
  t.equal(batches(h) - before, 1, 'the last exit: one batch');
  const counts = (await c.call('daemon.status', {})).counts;
  t.equal(counts.SUCCESS, 3);
  t.equal(counts.CLAIMED ?? 0, 0);
});

t.test('an exit that retries its task can claim that very task again in the same batch, and the store stays consistent', async (t) => {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const { c, w } = await fakeWorker(t, h, 1);
  const { task } = await c.call('run', { type: 'flaky' });
  const [x] = (await c.call('worker.claim', { worker: w, max: 1 })).tasks;
  await started(c, w, x!);
  const before = batches(h);
  const r = await finished(c, w, x!, 1, 3);
  t.equal(batches(h) - before, 1, 'one batch');
  t.equal(r.tasks?.[0]?.id, task.id, 'the retry is claimed at once');
  t.equal(r.tasks?.[0]?.attempt, 2);
  t.equal(r.tasks?.[0]?.state, 'CLAIMED');
  const counts = (await c.call('daemon.status', {})).counts;
  t.equal(counts.CLAIMED, 1, 'counted once, as CLAIMED');
  t.equal((counts.WAITING ?? 0) + (counts.RUNNING ?? 0) + (counts.ERROR ?? 0), 0);
  await started(c, w, r.tasks![0]!);
  await finished(c, w, r.tasks![0]!, 1);
  t.equal((await c.call('show', { id: task.id })).task.state, 'SUCCESS');
  // The derived keys (queue, counters, groups) agree with the records after a restart.
  c.close();
  await h.ok(['daemon', 'stop']);
  const check = await h.run(['db', 'check', '--json']);
  t.equal(check.code, 0, check.stdout + check.stderr);
});

t.test('a worker that takes offers gets the tasks claimed for it instead of a wake', async (t) => {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const { c, w, control } = await fakeWorker(t, h, 2, true);
  const sub = await h.client();
  t.teardown(() => sub.close());
  const a = (await sub.call('run', { type: 'quiet' })).task;
  const b = (await sub.call('run', { type: 'quiet' })).task;
  await sub.call('run', { type: 'quiet' });
  const offered = await waitFor('two offers', () => {
    const ids = control.flatMap((m) => (m.action === 'offer' ? m.tasks.map((x) => x.id) : []));
    return ids.length >= 2 && ids;
  });
  t.same(offered, [a.id, b.id], 'the first two, in order, never beyond the 2 slots');
  t.notOk(
    control.some((m) => m.action === 'wake'),
    'no wake',
  );
  t.equal((await c.call('show', { id: a.id })).task.worker, w);
  t.equal((await c.call('daemon.status', {})).counts.CLAIMED, 2);
});

t.test('a worker that does not take offers is woken as before and claims', async (t) => {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const { c, w, control } = await fakeWorker(t, h, 1);
  await c.call('run', { type: 'quiet' });
  await waitFor('a wake', () => control.some((m) => m.action === 'wake'));
  t.notOk(control.some((m) => m.action === 'offer'));
  t.equal((await c.call('worker.claim', { worker: w, max: 1 })).tasks.length, 1);
});

t.test('offered tasks on a connection that closes go back to the queue when the worker registers again', async (t) => {
  const h = new TestHome(t, { workers: false, types: TYPES });
  const { c, control } = await fakeWorker(t, h, 1, true);
  const sub = await h.client();
  t.teardown(() => sub.close());
  const { task } = await sub.call('run', { type: 'quiet' });
  await waitFor('an offer', () => control.some((m) => m.action === 'offer'));
  c.close();
  const again = await fakeWorker(t, h, 1); // same name and pid, holding nothing
  t.ok(again.w);
  await waitFor('the task back in the queue', async () => (await sub.call('show', { id: task.id })).task.state === 'WAITING');
});
