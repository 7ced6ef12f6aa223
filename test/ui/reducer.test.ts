import t from 'tap';
import { applyEvent, loaded, tick } from '../../src/ui/reducer.js';
import { busyByWorker } from '../../src/ui/view.js';
import { FINISHED_WINDOW, initialState, NOTICE_MS, QUEUE_WINDOW, type DashboardState } from '../../src/ui/state.js';
import { finished, ps, running, T0, task, worker } from './helpers/fixtures.js';

const fresh = (tasks = [task()], scope = {}) => loaded(initialState(T0, scope), { ps: ps(tasks) }, T0);

t.test('a snapshot fills the windows, counts and per-type estimate', async (t) => {
  const q = task({ type: 'a' });
  const r = running({ type: 'b' });
  const f = finished('ERROR', { type: 'a' });
  const s = loaded(initialState(T0), { ps: ps([q, r, f]), workers: [worker()], status: { ...statusFor(), rss: 1000 } }, T0);
  t.equal(s.connection, 'live');
  t.same(
    s.queued.map((x) => x.id),
    [q.id],
  );
  t.same(
    s.running.map((x) => x.id),
    [r.id],
  );
  t.same(
    s.finished.map((x) => x.id),
    [f.id],
  );
  t.equal(s.counts.WAITING, 1);
  t.equal(s.byType.a!.WAITING, 1);
  t.equal(s.byType.a!.ERROR, 1);
  t.equal(s.byType.b!.RUNNING, 1);
  t.equal(s.byTypeExact, false);
  t.same(s.memory, [1000]);
  t.same(s.reasons, {});
  t.equal(s.workers!.length, 1);
});

t.test("the daemon's wait reasons are kept from the snapshot", async (t) => {
  const q = task();
  const s = loaded(initialState(T0), { ps: { ...ps([q]), reasons: { [q.id]: 'max_concurrent (2 running)' } } }, T0);
  t.same(s.reasons, { [q.id]: 'max_concurrent (2 running)' });
});

t.test('per-type counts from the daemon are exact when given', async (t) => {
  const s = loaded(initialState(T0), { ps: ps([]), status: { ...statusFor(), byType: { big: { SUCCESS: 5000 } } } }, T0);
  t.equal(s.byTypeExact, true);
  t.equal(s.byType.big!.SUCCESS, 5000);
  t.equal(s.byType.big!.ERROR, 0);
});

t.test('a new task joins the queue in run order', async (t) => {
  const low = task({ priority: 0 });
  const later = task({ notBefore: T0 + 10_000 });
  let s = fresh([low, later]);
  const high = task({ priority: 5 });
  s = applyEvent(s, { kind: 'task', task: high, from: null }, T0);
  t.same(
    s.queued.map((x) => x.id),
    [high.id, low.id, later.id],
  );
  t.equal(s.counts.WAITING, 3);
  const blocked = task({ waitingOn: [low.id] });
  s = applyEvent(s, { kind: 'task', task: blocked, from: null }, T0);
  t.equal(s.queued[3]!.id, blocked.id, 'waiting on dependencies goes last');
});

t.test('claim, start, progress and finish move a task through the lists', async (t) => {
  const q = task();
  let s = fresh([q]);
  const claimed = { ...q, state: 'CLAIMED' as const, worker: 'local', claimedAt: T0, updatedAt: T0 };
  s = applyEvent(s, { kind: 'task', task: claimed, from: 'WAITING' }, T0);
  t.same(s.queued, []);
  t.same(
    s.running.map((x) => x.id),
    [q.id],
  );
  const started = { ...claimed, state: 'RUNNING' as const, startedAt: T0, updatedAt: T0 };
  s = applyEvent(s, { kind: 'task', task: started, from: 'CLAIMED' }, T0);
  const progressed = { ...started, progress: { percent: 40, message: 'step 2', at: T0 + 1 }, updatedAt: T0 + 1 };
  s = applyEvent(s, { kind: 'task', task: progressed, from: 'RUNNING' }, T0 + 1);
  t.equal(s.running[0]!.progress!.percent, 40);
  t.equal(s.counts.RUNNING, 1, 'a progress event leaves the counts alone');
  const done = { ...progressed, state: 'SUCCESS' as const, endedAt: T0 + 2500, exitCode: 0, updatedAt: T0 + 2500 };
  s = applyEvent(s, { kind: 'task', task: done, from: 'RUNNING' }, T0 + 2500);
  t.same(s.running, []);
  t.equal(s.finished[0]!.id, q.id);
  t.same([s.counts.WAITING, s.counts.CLAIMED, s.counts.RUNNING, s.counts.SUCCESS], [0, 0, 0, 1]);
  t.equal(s.byType.echo!.SUCCESS, 1);
  t.equal(s.byType.echo!.WAITING, 0);
  t.same(s.rate.buckets.slice(-1), [1], 'counted in the current second');
  s = tick(s, T0 + 3500);
  t.same(s.rate.buckets.slice(-2), [1, 0], 'the second rolls over');
});

t.test('an older copy of a task never overwrites a newer one', async (t) => {
  const r = running({ updatedAt: T0 });
  let s = fresh([r]);
  s = applyEvent(s, { kind: 'task', task: { ...r, state: 'CLAIMED', updatedAt: T0 - 10 }, from: 'WAITING' }, T0);
  t.equal(s.running[0]!.state, 'RUNNING');
  t.equal(s.counts.RUNNING, 1);
});

t.test('replayed events already in the snapshot are dropped', async (t) => {
  const r = running({ updatedAt: T0 });
  let s = fresh([r]);
  s = applyEvent(s, { kind: 'task', task: r, from: 'CLAIMED' }, T0, { replay: true });
  t.equal(s.counts.RUNNING, 1);
  t.equal(s.counts.CLAIMED, 0);
});

t.test('the queue window stays bounded and counts what it does not hold', async (t) => {
  const many = Array.from({ length: QUEUE_WINDOW }, () => task());
  let s = fresh(many);
  const urgent = task({ priority: 9 });
  s = applyEvent(s, { kind: 'task', task: urgent, from: null }, T0);
  t.equal(s.queued.length, QUEUE_WINDOW);
  t.equal(s.queued[0]!.id, urgent.id);
  t.equal(s.more.queued, 1);
  const last = task();
  s = applyEvent(s, { kind: 'task', task: last, from: null }, T0);
  t.equal(s.more.queued, 2, 'a task placed past a partial window is one of the more');
  t.notOk(s.queued.some((x) => x.id === last.id));
  // One of the "more" is claimed: it was never loaded, the count goes down.
  s = applyEvent(s, { kind: 'task', task: { ...last, state: 'CLAIMED', updatedAt: T0 + 1 }, from: 'WAITING' }, T0);
  t.equal(s.more.queued, 1);
});

t.test('the finished window keeps the latest', async (t) => {
  const old = Array.from({ length: FINISHED_WINDOW }, (_, i) => finished('SUCCESS', { endedAt: T0 - 100_000 + i }));
  let s = fresh(old);
  const r = running();
  s = applyEvent(s, { kind: 'task', task: r, from: null }, T0);
  s = applyEvent(s, { kind: 'task', task: { ...r, state: 'ERROR', endedAt: T0, exitCode: 2, updatedAt: T0 + 5 }, from: 'RUNNING' }, T0);
  t.equal(s.finished.length, FINISHED_WINDOW);
  t.equal(s.finished[0]!.id, r.id);
  t.equal(s.more.finished, 1);
});

t.test('a window that runs low asks for a refill', async (t) => {
  const q = Array.from({ length: 60 }, () => task());
  let s = loaded(initialState(T0), { ps: ps(q, { queued: 500, finished: 0 }) }, T0);
  t.equal(s.stale, false);
  for (const x of q.slice(0, 15)) s = applyEvent(s, { kind: 'task', task: { ...x, state: 'CLAIMED', updatedAt: T0 + 1 }, from: 'WAITING' }, T0);
  t.equal(s.stale, true);
});

t.test('removals: known ones leave the lists and counts, unknown ones make the window stale', async (t) => {
  const f = finished('SUCCESS');
  let s = fresh([f]);
  s = applyEvent(s, { kind: 'task.removed', id: f.id }, T0);
  t.same(s.finished, []);
  t.equal(s.counts.SUCCESS, 0);
  t.equal(s.byType.echo!.SUCCESS, 0);
  t.equal(s.stale, false);
  s = applyEvent(s, { kind: 'task.removed', id: 'zzzzzzzz' }, T0);
  t.equal(s.stale, true);
});

t.test('scope keeps other types out of the lists but not out of the counts', async (t) => {
  let s = fresh([], { type: 'build' });
  s = applyEvent(s, { kind: 'task', task: task({ type: 'other' }), from: null }, T0);
  t.same(s.queued, []);
  t.equal(s.counts.WAITING, 1);
  s = applyEvent(s, { kind: 'task', task: task({ type: 'build' }), from: null }, T0);
  t.equal(s.queued.length, 1);
});

t.test('worker and daemon events; notices expire', async (t) => {
  let s = fresh();
  s = applyEvent(s, { kind: 'worker', worker: worker({ id: 'w2', name: 'beta' }) }, T0);
  s = applyEvent(s, { kind: 'worker', worker: worker({ id: 'w1', name: 'alpha' }) }, T0);
  s = applyEvent(s, { kind: 'worker', worker: worker({ id: 'w2', name: 'beta', state: 'paused' }) }, T0);
  t.same(
    s.workers!.map((w) => `${w.name}:${w.state}`),
    ['alpha:running', 'beta:paused'],
  );
  s = applyEvent(s, { kind: 'daemon', message: 'reloaded task types' }, T0);
  t.equal(s.notice!.text, 'reloaded task types');
  t.ok(tick(s, T0 + NOTICE_MS - 1).notice);
  t.notOk(tick(s, T0 + NOTICE_MS).notice);
});

t.test('details follow the task they show', async (t) => {
  const r = running();
  let s: DashboardState = { ...fresh([r]), details: { id: r.id, show: { task: r, dependents: [] } } };
  s = applyEvent(s, { kind: 'task', task: { ...r, state: 'SUCCESS', endedAt: T0, updatedAt: T0 + 1 }, from: 'RUNNING' }, T0);
  t.equal(s.details!.show!.task.state, 'SUCCESS');
});

function statusFor() {
  return { pid: 1, version: '0.1.0', startedAt: T0 - 1000, counts: ps([]).counts };
}

t.test('slots in use come from the running tasks, or from the workers when scoped', async (t) => {
  const ws = [worker({ id: 'w1', running: ['stale1', 'stale2'] }), worker({ id: 'w2', running: [] })];
  const tasks = [running({ worker: 'w2' }), running({ worker: 'w2' })];
  const s = loaded(initialState(T0), { ps: ps(tasks), workers: ws }, T0);
  t.same([...busyByWorker(s)], [['w2', 2]]);
  const scoped = loaded(initialState(T0, { type: 'echo' }), { ps: ps(tasks), workers: ws }, T0);
  t.same(
    [...busyByWorker(scoped)],
    [
      ['w1', 2],
      ['w2', 0],
    ],
  );
});
