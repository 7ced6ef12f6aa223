import t from 'tap';
import type { TopClient } from '../../src/ui/data.js';
import { DashboardFeed, FOLLOW_DELAY_MS, reconnectDelay, REFILL_DELAY_MS } from '../../src/ui/feed.js';
import type { PsSections } from '../../src/protocol/methods.js';
import { FakeClock } from './helpers/fake-clock.js';
import { FakeClient } from './helpers/fake-client.js';
import { finished, ps, running, task, worker } from './helpers/fixtures.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(clients: FakeClient[], opts: { failFirst?: number } = {}) {
  const clock = new FakeClock();
  const attempts: number[] = [];
  let fails = opts.failFirst ?? 0;
  let i = 0;
  const feed = new DashboardFeed({
    clock,
    connect: async (attempt) => {
      attempts.push(attempt);
      if (fails > 0) {
        fails--;
        throw new Error('connect ECONNREFUSED');
      }
      return clients[Math.min(i++, clients.length - 1)] as TopClient;
    },
  });
  return { clock, feed, attempts };
}

t.test('loads a snapshot after subscribing, then applies events', async (t) => {
  const q = task();
  const c = new FakeClient({ tasks: [q], workers: [worker()] });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  const s = feed.getSnapshot();
  t.equal(s.connection, 'live');
  t.equal(s.queued[0]!.id, q.id);
  t.equal(s.workers!.length, 1);
  t.same(c.calls[0], { method: 'events.subscribe', params: { kinds: ['task', 'worker', 'daemon'] } }, 'subscribed before the snapshot');
  t.same(c.named('ps'), [{ limit: 200 }]);
  c.emit({ kind: 'task', task: { ...q, state: 'CLAIMED', worker: 'local', updatedAt: clock.now() }, from: 'WAITING' });
  clock.advance(100);
  t.equal(feed.getSnapshot().running[0]!.id, q.id);
  await feed.stop();
  t.equal(clock.pending, 0, 'stop leaves no timer behind');
});

t.test('a daemon without worker.ls or stats still gets a dashboard', async (t) => {
  const c = new FakeClient({ tasks: [task()] });
  delete c.handlers['daemon.status'];
  const { feed } = setup([c]);
  feed.start();
  await settle();
  const s = feed.getSnapshot();
  t.equal(s.connection, 'live');
  t.equal(s.workers, undefined);
  t.equal(s.status, undefined);
  await feed.stop();
});

t.test('a daemon that hangs up on unknown methods is asked once, then done without', async (t) => {
  const r = running();
  // An older daemon: no worker.ls, logs.follow or kill, and it ends the connection on an unknown method.
  const daemon = () => {
    const c = new FakeClient({ tasks: [r] });
    c.closeOnUnknown = true;
    c.hasFollow = false;
    delete c.handlers.kill;
    return c;
  };
  const clients = [daemon(), daemon(), daemon()];
  const { feed, clock, attempts } = setup(clients);
  feed.start();
  await settle();
  clock.advance(1000);
  await settle();
  t.equal(feed.getSnapshot().connection, 'live');
  t.same(attempts, [0, 1], 'one reconnect');
  t.equal(clients[1]!.named('worker.ls').length, 0, 'worker.ls is not asked again');
  feed.follow(r.id);
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  clock.advance(100);
  t.match(feed.getSnapshot().log?.error, /this daemon has no logs\.follow/);
  clock.advance(1000);
  await settle();
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  t.equal(feed.getSnapshot().connection, 'live');
  t.same(attempts, [0, 1, 1], 'each reconnect counts its own attempts');
  t.equal(clients[2]!.named('logs.follow').length, 0, 'logs.follow is not asked again');
  await feed.kill(r.id);
  clock.advance(100);
  t.match(feed.getSnapshot().notice, { level: 'error', text: /this daemon has no kill/ });
  await feed.stop();
});

t.test('events that arrive while the snapshot loads are replayed onto it', async (t) => {
  const q = task();
  const c = new FakeClient({ tasks: [q] });
  let release!: (v: PsSections) => void;
  c.handlers.ps = () => new Promise<PsSections>((r) => (release = r));
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  const r = task();
  c.emit({ kind: 'task', task: r, from: null });
  c.emit({ kind: 'task', task: { ...q, state: 'CLAIMED', updatedAt: clock.now() }, from: 'WAITING' });
  release(ps([q]));
  await settle();
  clock.advance(100);
  const s = feed.getSnapshot();
  t.same(
    s.queued.map((x) => x.id),
    [r.id],
  );
  t.same(
    s.running.map((x) => x.id),
    [q.id],
  );
  t.equal(s.counts.WAITING, 1);
  t.equal(s.counts.CLAIMED, 1);
  await feed.stop();
});

t.test('an event storm is published a bounded number of times', async (t) => {
  const c = new FakeClient({ tasks: [] });
  const { feed, clock } = setup([c]);
  let renders = 0;
  feed.subscribe(() => renders++);
  feed.start();
  await settle();
  renders = 0;
  // 1000 transitions in one second, one every millisecond.
  for (let i = 0; i < 1000; i++) {
    const x = task({ updatedAt: clock.now() });
    c.emit({ kind: 'task', task: x, from: null });
    clock.advance(1);
  }
  clock.advance(100);
  t.ok(renders >= 9 && renders <= 13, `${renders} publishes for 1000 events in 1s (about 10/s)`);
  t.equal(feed.getSnapshot().counts.WAITING, 1000, 'none of the events was lost');
  renders = 0;
  for (let i = 0; i < 1000; i++) c.emit({ kind: 'task', task: task({ updatedAt: clock.now() }), from: null });
  clock.advance(100);
  t.ok(renders <= 2, `${renders} publishes for a burst of 1000`);
  t.ok(c.named('daemon.status').length <= 1 + Math.ceil(1100 / 2000) + 1, 'status refreshes are throttled too');
  await feed.stop();
});

t.test('reconnects with backoff when the daemon goes away, and reloads', async (t) => {
  const before = new FakeClient({ tasks: [task()] });
  const after = new FakeClient({ tasks: [task(), task()] });
  const { feed, clock, attempts } = setup([before, after]);
  feed.start();
  await settle();
  feed.follow(before.data.tasks![0]!.id);
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  t.equal(before.named('logs.follow').length, 1);
  before.drop();
  clock.advance(100);
  t.equal(feed.getSnapshot().connection, 'reconnecting');
  await settle();
  t.equal(feed.getSnapshot().connection, 'live', 'the first retry is immediate');
  t.same(attempts, [0, 1], 'a reconnect says it is one (and must not start a daemon)');
  t.equal(feed.getSnapshot().queued.length, 2);
  t.same(after.named('logs.follow'), [{ id: before.data.tasks![0]!.id, lines: 200 }], 'the followed log again');
  await feed.stop();
});

t.test('a failing connection is retried with growing delays', async (t) => {
  const c = new FakeClient({ tasks: [] });
  const { feed, clock, attempts } = setup([c], { failFirst: 3 });
  feed.start();
  await settle();
  const s = feed.getSnapshot();
  t.equal(s.connection, 'reconnecting');
  t.match(s.lastError, /ECONNREFUSED/);
  t.equal(attempts.length, 1);
  clock.advance(reconnectDelay(1));
  await settle();
  t.equal(attempts.length, 2);
  clock.advance(reconnectDelay(2) - 1);
  await settle();
  t.equal(attempts.length, 2, 'waits the whole backoff');
  clock.advance(1);
  await settle();
  clock.advance(reconnectDelay(3));
  await settle();
  t.equal(attempts.length, 4);
  clock.advance(100);
  t.equal(feed.getSnapshot().connection, 'live');
  t.ok(reconnectDelay(10) <= 5000, 'capped');
  await feed.stop();
});

t.test('follows the selected task: tail, then new output', async (t) => {
  const r = running();
  const c = new FakeClient({ tasks: [r], logs: { [r.id]: 'line 1\nline 2\n' } });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  feed.follow(r.id);
  feed.follow('0mother1');
  feed.follow(r.id);
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  t.same(c.named('logs.follow'), [{ id: r.id, lines: 200 }], 'a selection passing by is not followed');
  c.emit({ kind: 'log', id: r.id, stream: 'stdout', data: 'line 3\n' });
  c.emit({ kind: 'log', id: r.id, stream: 'stderr', data: 'warn\n' });
  clock.advance(100);
  t.same(
    feed.getSnapshot().log!.lines.map((l) => l.text),
    ['line 1', 'line 2', 'line 3', 'warn'],
  );
  feed.follow(undefined);
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  t.equal(c.subs.size, 1, 'the log subscription is dropped');
  t.equal(c.named('events.unsubscribe').length, 1);
  t.equal(feed.getSnapshot().log, undefined);
  await feed.stop();
});

t.test('output that overtakes the reply goes after the tail; combined output reads as stdout', async (t) => {
  const r = running();
  const c = new FakeClient({ tasks: [r], logs: { [r.id]: 'tail\n' } });
  c.beforeFollowReply = (id) => c.emit({ kind: 'log', id, stream: 'output', data: 'early\n' });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  feed.follow(r.id);
  clock.advance(FOLLOW_DELAY_MS);
  await settle();
  c.emit({ kind: 'log.end', id: r.id, state: 'SUCCESS' });
  clock.advance(100);
  t.same(feed.getSnapshot().log!.lines, [
    { text: 'tail', stream: 'stdout' },
    { text: 'early', stream: 'stdout' },
  ]);
  await feed.stop();
});

t.test('actions call the daemon and say what happened', async (t) => {
  const r = running({ worker: 'w1' });
  const w = worker({ id: 'w1' });
  const c = new FakeClient({ tasks: [r], workers: [w] });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  await feed.kill(r.id);
  t.same(c.named('kill'), [{ ids: [r.id] }]);
  clock.advance(100);
  t.equal(feed.getSnapshot().notice!.text, `stopping ${r.id}`);
  await feed.rerun(r.id);
  t.same(c.named('rerun'), [{ id: r.id }]);
  clock.advance(100);
  t.equal(feed.getSnapshot().notice!.text, `rerun of ${r.id} is 0mrerun1`);
  await feed.toggleWorker(w);
  t.same(c.named('worker.pause'), [{ id: 'w1' }]);
  clock.advance(100);
  t.equal(feed.getSnapshot().workers![0]!.state, 'paused');
  await feed.toggleWorker(feed.getSnapshot().workers![0]!);
  t.same(c.named('worker.resume'), [{ id: 'w1' }]);
  c.handlers.kill = () => {
    throw new Error('no such task');
  };
  await feed.kill('0mnope00');
  clock.advance(100);
  t.same(feed.getSnapshot().notice, { text: 'no such task', level: 'error', at: clock.now() - 100 });
  await feed.stop();
});

t.test('details load through show', async (t) => {
  const f = finished('ERROR');
  const c = new FakeClient({ tasks: [f] });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  feed.openDetails(f.id);
  await settle();
  clock.advance(100);
  t.equal(feed.getSnapshot().details!.show!.task.id, f.id);
  feed.openDetails('0mnope00');
  await settle();
  clock.advance(100);
  t.match(feed.getSnapshot().details, { id: '0mnope00', error: /no task/ });
  feed.closeDetails();
  clock.advance(100);
  t.equal(feed.getSnapshot().details, undefined);
  await feed.stop();
});

t.test('a stale window is refetched once, after a pause', async (t) => {
  const c = new FakeClient({ tasks: [task()] });
  const { feed, clock } = setup([c]);
  feed.start();
  await settle();
  for (let i = 0; i < 50; i++) c.emit({ kind: 'task.removed', id: `0mgone${i.toString().padStart(2, '0')}` });
  t.equal(c.named('ps').length, 1);
  clock.advance(REFILL_DELAY_MS);
  await settle();
  t.equal(c.named('ps').length, 2);
  clock.advance(100);
  t.equal(feed.getSnapshot().stale, false);
  await feed.stop();
});
