// The conformance suite every Store backend must pass. It speaks only the
// Store interface (domain terms), so a PostgreSQL backend can run it unchanged.
import path from 'node:path';
import type { Test } from 'tap';
import type { State, Task } from '../../src/protocol/model.js';
import { isTerminal, STATES } from '../../src/protocol/model.js';
import type { TaskEvent } from '../../src/core/states.js';
import { StoreError, type Store, type TaskDraft } from '../../src/daemon/store/store.js';
import { draft, T0 } from './tasks.js';
import { NO_POLICY, type DispatchPolicy } from '../../src/core/dispatch.js';

export interface StoreHandle {
  store: Store;
  /** Close the store and open the same data again (a daemon restart). */
  reopen(): Promise<Store>;
  /** Backend-specific consistency problems (e.g. indexes that do not follow the records); empty when sound. */
  consistency?(store: Store): Promise<string[]>;
}

/** Makes a fresh, opened, empty store for one test; the factory closes it at teardown. Retry jitter must be 0.5 (none). */
export type StoreFactory = (t: Test) => Promise<StoreHandle>;

const NOW = T0;
const ALL_STATES = [...STATES];

async function expectStoreError(t: Test, p: Promise<unknown>, kind: StoreError['kind'], message?: RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected a ${kind} StoreError`);
  } catch (err) {
    t.ok(err instanceof StoreError, `a StoreError (${(err as Error).message})`);
    t.equal((err as StoreError).kind, kind);
    if (message) t.match((err as Error).message, message);
  }
}

async function apply(store: Store, id: string, event: TaskEvent) {
  return store.apply(id, event);
}

/** Take a task all the way to running on a worker. */
async function runIt(store: Store, id: string, worker = 'w1', at = NOW + 1): Promise<void> {
  await apply(store, id, { type: 'claim', worker, at });
  await apply(store, id, { type: 'start', pid: 100, pgid: 100, at: at + 1 });
}

async function finishIt(store: Store, id: string, exitCode: number, at = NOW + 10): Promise<void> {
  await runIt(store, id, 'w1', at - 5);
  await apply(store, id, { type: 'exit', at, exitCode, signal: null, cause: 'exit' });
}

/** Invariants any backend must keep, checked against the tasks we know of. */
async function checkViews(t: Test, h: StoreHandle, store: Store, ids: string[], label: string): Promise<void> {
  const tasks = (await Promise.all(ids.map((id) => store.get(id)))).filter((x): x is Task => x !== undefined);
  const tally = Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<State, number>;
  for (const task of tasks) tally[task.state]++;
  t.same(store.counts(), tally, `${label}: counts match the records`);
  const byType: Record<string, Partial<Record<State, number>>> = {};
  for (const task of tasks) (byType[task.type] ??= {})[task.state] = (byType[task.type]![task.state] ?? 0) + 1;
  t.same(store.countsByType(), byType, `${label}: counts by type match the records`);
  const ps = await store.ps({ limit: 10000 });
  const idsOf = (list: Task[]) => list.map((x) => x.id).sort();
  t.same(idsOf(ps.running), idsOf(tasks.filter((x) => x.state === 'CLAIMED' || x.state === 'RUNNING')), `${label}: ps running`);
  t.same(idsOf(ps.queued), idsOf(tasks.filter((x) => x.state === 'WAITING')), `${label}: ps queued`);
  t.same(idsOf(ps.finished), idsOf(tasks.filter((x) => isTerminal(x.state))), `${label}: ps finished`);
  t.same(ps.counts, tally, `${label}: ps counts`);
  t.same(ps.more, { queued: 0, finished: 0 }, `${label}: nothing more`);
  t.same(idsOf(await store.active()), idsOf(tasks.filter((x) => x.state === 'CLAIMED' || x.state === 'RUNNING')), `${label}: active`);
  for (const task of tasks) {
    for (const dep of task.after) t.ok((await store.dependents(dep)).includes(task.id), `${label}: ${task.id} is a dependent of ${dep}`);
  }
  const due = await store.due(Number.MAX_SAFE_INTEGER, 10000);
  t.same(
    [...due].sort(),
    tasks
      .filter((x) => x.state === 'WAITING' && x.notBefore !== undefined)
      .map((x) => x.id)
      .sort(),
    `${label}: due`,
  );
  if (h.consistency) t.same(await h.consistency(store), [], `${label}: backend consistent`);
}

export function storeConformance(t: Test, makeStore: StoreFactory): void {
  t.test('submit assigns sortable ids, result dirs and the initial state', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const first = await store.submit([draft({ label: 'a' }), draft({ label: 'b' }), draft({ label: 'c' })], NOW);
    const second = await store.submit([draft()], NOW);
    const third = await store.submit([draft()], NOW - 60_000); // the clock went back
    const all = [...first, ...second, ...third];
    const ids = all.map((x) => x.id);
    t.equal(new Set(ids).size, 5, 'ids are distinct');
    t.same([...ids].sort(), ids, 'ids sort in submit order, even when the clock goes back');
    for (const task of all) {
      t.match(task.id, /^[0-9a-z]{8}$/);
      t.equal(path.basename(task.resultDir), task.id, 'the result dir is named by the id');
      t.match(task, { state: 'WAITING', attempt: 1, attempts: [], waitingOn: [], after: [] });
      t.same(await store.get(task.id), task, 'get returns what submit returned');
    }
    t.equal(first[0]!.createdAt, NOW);
    t.equal(first[1]!.label, 'b');
    t.same(await store.submit([], NOW), [], 'an empty submit is fine');
    t.equal(await store.get('zzzzzzzz'), undefined);
    await checkViews(t, h, store, ids, 'after submit');
  });

  t.test('findIds by prefix', async (t) => {
    const h = await makeStore(t);
    const tasks = await h.store.submit(
      Array.from({ length: 5 }, () => draft()),
      NOW,
    );
    const ids = tasks.map((x) => x.id);
    const common = ids[0]!.slice(0, 6);
    t.ok(
      ids.every((id) => id.startsWith(common)),
      'a burst shares a prefix',
    );
    t.same(await h.store.findIds(common, 100), ids);
    t.same(await h.store.findIds(common, 2), ids.slice(0, 2), 'limit');
    t.same(await h.store.findIds(ids[3]!, 10), [ids[3]]);
    t.same(await h.store.findIds('zz', 10), []);
  });

  t.test('dependencies at submit', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [ok, bad, pending] = await store.submit([draft(), draft(), draft()], NOW);
    await finishIt(store, ok!.id, 0);
    await finishIt(store, bad!.id, 1);
    const before = store.counts();
    await expectStoreError(t, store.submit([draft(), draft({ after: ['nosuchid'] })], NOW), 'not-found', /nosuchid/);
    t.same(store.counts(), before, 'a refused submit writes nothing, not even the valid drafts before it');
    t.same(
      (await store.ps({ limit: 100 })).queued.map((x) => x.id),
      [pending!.id],
    );
    const [afterOk, afterBad, afterPending, afterBoth] = await store.submit(
      [draft({ after: [ok!.id] }), draft({ after: [bad!.id] }), draft({ after: [pending!.id, ok!.id] }), draft({ after: [pending!.id, bad!.id] })],
      NOW + 20,
    );
    t.match(afterOk, { state: 'WAITING', waitingOn: [] }, 'a dependency already met is not waited on');
    t.match(afterBad, { state: 'SKIPPED', endedAt: NOW + 20, reason: `dependency ${bad!.id} ended ERROR` }, 'a dependency already failed skips it at once');
    t.match(afterPending, { state: 'WAITING', waitingOn: [pending!.id] });
    t.match(afterBoth, { state: 'SKIPPED' });
    t.same(await store.dependents(pending!.id), [afterPending!.id, afterBoth!.id]);
    await checkViews(t, h, store, [ok!.id, bad!.id, pending!.id, afterOk!.id, afterBad!.id, afterPending!.id, afterBoth!.id], 'after dependent submits');
  });

  t.test('apply: every transition, and every view follows', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    // b needs a tag no worker below offers, so only a (once due) could be claimed by them.
    const [a, b, c] = await store.submit([draft({ retries: 1, retryBackoff: 5000 }), draft({ tags: ['gpu'] }), draft({ notBefore: NOW + 1000 })], NOW);
    const ids = [a!.id, b!.id, c!.id];
    const step = async (id: string, event: TaskEvent, want: State, label: string) => {
      const changes = await store.apply(id, event);
      t.equal(changes[0]?.task.state, want, `${label}: ${want}`);
      t.equal((await store.get(id))?.state, want, `${label}: stored`);
      await checkViews(t, h, store, ids, label);
      return changes;
    };
    t.same(await store.due(NOW, 10), [], 'c is not due yet');
    t.equal(await store.nextDue(), NOW + 1000);
    t.same(await store.due(NOW + 1000, 10), [c!.id], 'due at its time exactly');

    const claimed = await step(a!.id, { type: 'claim', worker: 'w1', at: NOW + 1 }, 'CLAIMED', 'claim');
    t.same(
      claimed.map((x) => x.from),
      ['WAITING'],
      'a change says where it came from',
    );
    t.same(
      (await store.active('w1')).map((x) => x.id),
      [a!.id],
      'active on w1',
    );
    t.same(await store.active('w2'), []);
    await step(a!.id, { type: 'start', pid: 1, pgid: 1, at: NOW + 2 }, 'RUNNING', 'start');
    await step(a!.id, { type: 'progress', at: NOW + 3, percent: 50, message: 'half' }, 'RUNNING', 'progress');
    t.same((await store.get(a!.id))?.progress, { percent: 50, message: 'half', at: NOW + 3 });
    await step(a!.id, { type: 'exit', at: NOW + 4, exitCode: 1, signal: null, cause: 'exit' }, 'WAITING', 'exit 1 with a retry left');
    const retried = (await store.get(a!.id))!;
    t.match(retried, { attempt: 2, notBefore: NOW + 4 + 5000 });
    t.same(await store.active('w1'), [], 'no longer active on w1');
    t.equal(await store.nextDue(), NOW + 1000, 'nextDue is the earliest');
    t.same(await store.due(NOW + 6000, 10), [c!.id, a!.id], 'due in time order');
    t.same(await store.due(NOW + 6000, 1), [c!.id], 'limit');
    t.equal(await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 5 }), undefined, 'a retry is not claimable before it is due');

    await step(a!.id, { type: 'due', at: NOW + 5004 }, 'WAITING', 'due');
    t.equal(await store.nextDue(), NOW + 1000);
    await step(c!.id, { type: 'due', at: NOW + 5004 }, 'WAITING', 'due c');
    t.equal(await store.nextDue(), undefined, 'nothing left to be due');
    await step(c!.id, { type: 'kill', at: NOW + 5005 }, 'STOPPED', 'kill waiting');
    await step(a!.id, { type: 'claim', worker: 'w2', at: NOW + 5006 }, 'CLAIMED', 'claim again');
    await step(a!.id, { type: 'kill', at: NOW + 5007 }, 'CLAIMED', 'kill claimed (marks it)');
    await step(a!.id, { type: 'unclaim', at: NOW + 5008, reason: 'worker stopping' }, 'STOPPED', 'a killed claim given back ends STOPPED');
    await step(b!.id, { type: 'claim', worker: 'w1', at: NOW + 5009 }, 'CLAIMED', 'claim b');
    await step(b!.id, { type: 'lost', at: NOW + 5010, reason: 'worker vanished' }, 'WAITING', 'lost before start: back to the queue');
    await runIt(store, b!.id, 'w1', NOW + 5011);
    await step(b!.id, { type: 'lost', at: NOW + 5020, reason: 'worker vanished' }, 'LOST', 'lost while running');
    const final = (await store.get(b!.id))!;
    t.equal(final.reason, 'worker vanished');
  });

  t.test('apply refuses what the transition function refuses, and changes nothing', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [a] = await store.submit([draft()], NOW);
    const before = await store.get(a!.id);
    await expectStoreError(t, store.apply(a!.id, { type: 'start', pid: 1, pgid: 1, at: NOW }), 'invalid-state', /cannot start/);
    await expectStoreError(t, store.apply(a!.id, { type: 'exit', at: NOW, exitCode: 0, signal: null, cause: 'exit' }), 'invalid-state');
    await expectStoreError(t, store.apply('zzzzzzzz', { type: 'kill', at: NOW }), 'not-found');
    t.same(await store.get(a!.id), before);
    await checkViews(t, h, store, [a!.id], 'after refusals');
  });

  t.test('claim: tags must be a subset of the worker tags', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [gpu, plain, none] = await store.submit([draft({ type: 'train', tags: ['gpu', 'unix'] }), draft({ tags: ['unix'] }), draft({ type: 'any', tags: [] })], NOW);
    const c1 = await store.claim({ worker: 'w-small', tags: ['unix'], now: NOW + 1 });
    const c2 = await store.claim({ worker: 'w-small', tags: ['unix'], now: NOW + 1 });
    const c3 = await store.claim({ worker: 'w-small', tags: ['unix'], now: NOW + 1 });
    t.same([c1?.task.id, c2?.task.id, c3], [plain!.id, none!.id, undefined], 'the gpu task is left for a gpu worker');
    t.equal(await store.claim({ worker: 'w-bare', tags: [], now: NOW + 1 }), undefined);
    const c4 = await store.claim({ worker: 'w-gpu', tags: ['unix', 'gpu', 'cuda'], now: NOW + 2 });
    t.equal(c4?.task.id, gpu!.id, 'a superset of tags takes it');
    t.match(c4, { from: 'WAITING', task: { state: 'CLAIMED', worker: 'w-gpu', claimedAt: NOW + 2 } });
    await checkViews(t, h, store, [gpu!.id, plain!.id, none!.id], 'after claims');
  });

  t.test('claim: priority first, then first in first out, across types and tags', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const ds: TaskDraft[] = [
      draft({ label: 'p0-a' }),
      draft({ label: 'p5-a', priority: 5, type: 'other' }),
      draft({ label: 'p0-b', type: 'third', tags: [] }),
      draft({ label: 'p5-b', priority: 5 }),
      draft({ label: 'pm1', priority: -1, tags: ['unix'] }),
      draft({ label: 'p9', priority: 9, type: 'third', tags: [] }),
    ];
    const tasks = await store.submit(ds.slice(0, 3), NOW);
    tasks.push(...(await store.submit(ds.slice(3), NOW + 1000)));
    const queued = (await store.ps({ limit: 100 })).queued.map((x) => x.label);
    const order: Array<string | undefined> = [];
    for (;;) {
      const c = await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 2000 });
      if (!c) break;
      order.push(c.task.label);
    }
    t.same(order, ['p9', 'p5-a', 'p5-b', 'p0-a', 'p0-b', 'pm1']);
    t.same(queued, order, 'ps lists the queue in the order it runs');
  });

  t.test('claim: max_concurrent per type', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    // free runs after limited by priority (at equal priority fair share would alternate the types).
    const tasks = await store.submit([...Array.from({ length: 4 }, () => draft({ type: 'limited', maxConcurrent: 2 })), draft({ type: 'free', priority: -1 })], NOW);
    const claim = () => store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 1 });
    const first = [(await claim())?.task.id, (await claim())?.task.id];
    t.same(first, [tasks[0]!.id, tasks[1]!.id]);
    t.equal((await claim())?.task.type, 'free', 'the limit skips to another type');
    t.equal(await claim(), undefined, 'two of limited are active: the third waits');
    await store.apply(tasks[0]!.id, { type: 'start', pid: 1, pgid: 1, at: NOW + 2 });
    t.equal(await claim(), undefined, 'running counts as active too');
    store = await h.reopen();
    t.equal(await claim(), undefined, 'the limit holds after a restart');
    await store.apply(tasks[0]!.id, { type: 'exit', at: NOW + 3, exitCode: 0, signal: null, cause: 'exit' });
    t.equal((await claim())?.task.id, tasks[2]!.id, 'a slot freed: the next one goes');
    await store.apply(tasks[1]!.id, { type: 'unclaim', at: NOW + 4, reason: 'x' });
    t.equal((await claim())?.task.id, tasks[1]!.id, 'a claim given back frees its slot and requeues it first');
    t.equal(await claim(), undefined);
    await checkViews(
      t,
      h,
      store,
      tasks.map((x) => x.id),
      'after max_concurrent',
    );
  });

  t.test('claim: rate_limit per type, a sliding window of claim times that survives a reopen', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    const policy: DispatchPolicy = { ...NO_POLICY, rateLimits: { limited: { count: 2, windowMs: 60_000 } } };
    const tasks = await store.submit([...Array.from({ length: 4 }, () => draft({ type: 'limited' })), draft({ type: 'free', priority: -1 })], NOW);
    const claim = (at: number) => store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: at, policy });
    t.equal((await claim(NOW))?.task.id, tasks[0]!.id);
    t.equal((await claim(NOW + 10_000))?.task.id, tasks[1]!.id);
    t.same(await store.rateLimited(policy, NOW + 10_000), { limited: NOW + 60_000 }, 'two started in the window: held until the first leaves it');
    t.equal((await claim(NOW + 20_000))?.task.type, 'free', 'the limit skips to another type');
    t.equal(await claim(NOW + 20_000), undefined, 'and the third waits');
    t.same(await store.rateLimited(NO_POLICY, NOW + 20_000), {}, 'without the limit nothing is held');
    store = await h.reopen();
    t.equal(await claim(NOW + 59_999), undefined, 'a restart does not let a burst through');
    t.same(await store.rateLimited(policy, NOW + 59_999), { limited: NOW + 60_000 });
    t.equal((await claim(NOW + 60_000))?.task.id, tasks[2]!.id, 'the first start left the window: one more may start');
    t.equal(await claim(NOW + 60_000), undefined, 'only one: the start at +10s is still in it');
    t.same(await store.rateLimited(policy, NOW + 60_000), { limited: NOW + 70_000 });
    t.equal((await claim(NOW + 70_000))?.task.id, tasks[3]!.id);
    t.same(await store.rateLimited(policy, NOW + 70_000), {}, 'no runnable task of the type is left: nothing is held');
  });

  t.test('claim: fair share between labels, then types, among equal priority; higher priority still first', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    await store.submit(
      Array.from({ length: 20 }, () => draft({ label: 'big' })),
      NOW,
    );
    await store.submit(
      Array.from({ length: 4 }, () => draft({ label: 'small' })),
      NOW + 1,
    );
    await store.submit([draft({ label: 'big', priority: 1 })], NOW + 2);
    const policy: DispatchPolicy = { ...NO_POLICY, labelWeights: { small: 2 } };
    const order: string[] = [];
    for (let i = 0; i < 10; i++) order.push((await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 10 + i, policy }))!.task.label!);
    // The priority-1 task first; then small (weight 2) twice for each of big's, until small runs out.
    t.same(order, ['big', 'small', 'small', 'big', 'small', 'small', 'big', 'big', 'big', 'big']);
    const types = await makeStore(t);
    await types.store.submit(
      Array.from({ length: 6 }, () => draft({ type: 'many' })),
      NOW,
    );
    await types.store.submit(
      Array.from({ length: 2 }, () => draft({ type: 'few' })),
      NOW + 1,
    );
    const typeOrder: string[] = [];
    for (let i = 0; i < 5; i++) typeOrder.push((await types.store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 10 + i }))!.task.type);
    t.same(typeOrder, ['many', 'few', 'many', 'few', 'many'], 'types alternate at weight 1');
  });

  t.test('oldestRunnable: the task runnable longest, whatever its priority, label or group', async (t) => {
    const { store } = await makeStore(t);
    t.equal(await store.oldestRunnable(), undefined, 'none');
    const [low] = await store.submit([draft({ priority: -5, label: 'x' })], NOW);
    await store.submit([draft({ priority: 5 }), draft({ type: 'other', tags: [] })], NOW + 10);
    await store.submit([draft({ notBefore: NOW + 1 })], NOW + 20);
    t.equal((await store.oldestRunnable())?.id, low!.id, 'the old low-priority task, behind newer high-priority ones');
    await apply(store, low!.id, { type: 'claim', worker: 'w1', at: NOW + 30 });
    t.equal((await store.oldestRunnable())?.createdAt, NOW + 10, 'claimed tasks and delayed ones do not count');
  });

  t.test('claim: not before, and dependencies', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [later, dep] = await store.submit([draft({ notBefore: NOW + 60_000 }), draft({ type: 'first' })], NOW);
    const [child] = await store.submit([draft({ type: 'child', after: [dep!.id] })], NOW);
    const claim = (now: number) => store.claim({ worker: 'w1', tags: ['bash', 'unix'], now });
    t.equal((await claim(NOW + 1))?.task.id, dep!.id);
    t.equal(await claim(NOW + 1), undefined, 'the child waits for its dependency; the later one for its time');
    t.equal(await claim(NOW + 120_000), undefined, 'not-before is lifted by the due event, not by the claim time');
    await store.apply(later!.id, { type: 'due', at: NOW + 60_000 });
    await store.apply(dep!.id, { type: 'start', pid: 1, pgid: 1, at: NOW + 2 });
    const changes = await store.apply(dep!.id, { type: 'exit', at: NOW + 3, exitCode: 0, signal: null, cause: 'exit' });
    t.same(
      changes.map((x) => [x.task.id, x.task.state, x.task.waitingOn]),
      [
        [dep!.id, 'SUCCESS', []],
        [child!.id, 'WAITING', []],
      ],
      'the success frees its dependent in the same change set',
    );
    const got = [(await claim(NOW + 60_001))?.task.id, (await claim(NOW + 60_001))?.task.id].sort();
    t.same(got, [later!.id, child!.id].sort());
  });

  t.test('applyThenClaim: the claim sees what the report changed (a max_concurrent place it frees, a dependent it releases)', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    if (!store.applyThenClaim) return t.pass('this store has no applyThenClaim');
    const [a, b] = await store.submit([draft({ type: 'limited', maxConcurrent: 1 }), draft({ type: 'limited', maxConcurrent: 1 })], NOW);
    const [d] = await store.submit([draft({ type: 'first' })], NOW);
    const [e, f] = await store.submit([draft({ type: 'child', priority: 5, after: [d!.id] }), draft({ type: 'other', priority: -1 })], NOW);
    // Priorities, not fair share between types, decide here: f (-1) goes last.
    const req = (now: number) => ({ worker: 'w1', tags: ['bash', 'unix'], now });
    t.equal((await store.claim(req(NOW + 1)))?.task.id, a!.id);
    t.equal((await store.claim(req(NOW + 1)))?.task.id, d!.id, 'limited holds its one place: the next type goes');
    for (const x of [a!, d!]) await store.apply(x.id, { type: 'start', pid: 1, pgid: 1, at: NOW + 2 });
    const exit = (at: number) => ({ type: 'exit' as const, at, exitCode: 0, signal: null, cause: 'exit' as const, by: { worker: 'w1', attempt: 1 } });
    const one = await store.applyThenClaim(a!.id, exit(NOW + 3), req(NOW + 3));
    t.same(
      one.changes.map((x) => [x.task.id, x.task.state]),
      [[a!.id, 'SUCCESS']],
    );
    t.equal(one.claimed?.task.id, b!.id, 'the place the exit frees under max_concurrent is taken in the same batch');
    t.equal(one.claimed?.from, 'WAITING');
    const two = await store.applyThenClaim(d!.id, exit(NOW + 4), req(NOW + 4));
    t.same(
      two.changes.map((x) => [x.task.id, x.task.state]),
      [
        [d!.id, 'SUCCESS'],
        [e!.id, 'WAITING'],
      ],
    );
    t.equal(two.claimed?.task.id, e!.id, 'the dependent the exit releases (priority 5) is claimed before the queued one');
    t.equal(two.claimed?.task.state, 'CLAIMED');
    // A stale report changes nothing, and claims nothing.
    await expectStoreError(t, store.applyThenClaim(a!.id, exit(NOW + 5), req(NOW + 5)), 'stale');
    store = await h.reopen();
    t.equal((await store.get(e!.id))?.state, 'CLAIMED', 'both writes of the batch are stored');
    t.equal((await store.get(f!.id))?.state, 'WAITING');
    t.equal((await store.claim(req(NOW + 6)))?.task.id, f!.id);
    await checkViews(
      t,
      h,
      store,
      [a!, b!, d!, e!, f!].map((x) => x.id),
      'after applyThenClaim',
    );
  });

  t.test('claim: concurrent claims never hand out a task twice', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const tasks = await store.submit(
      Array.from({ length: 5 }, () => draft()),
      NOW,
    );
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.claim({ worker: `w${i}`, tags: ['bash', 'unix'], now: NOW + 1 })));
    const got = results.filter((x) => x !== undefined).map((x) => x!.task.id);
    t.equal(got.length, 5);
    t.same([...got].sort(), tasks.map((x) => x.id).sort());
    await checkViews(
      t,
      h,
      store,
      tasks.map((x) => x.id),
      'after concurrent claims',
    );
  });

  t.test('dependency cascade: a failure skips dependents transitively, in one change set', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [a, other] = await store.submit([draft({ label: 'A' }), draft({ label: 'other' })], NOW);
    const [b, d] = await store.submit([draft({ label: 'B', after: [a!.id] }), draft({ label: 'D', after: [a!.id] })], NOW);
    const [c, e] = await store.submit([draft({ label: 'C', after: [b!.id] }), draft({ label: 'E', after: [b!.id, d!.id] })], NOW);
    const [f] = await store.submit([draft({ label: 'F', after: [other!.id, c!.id] })], NOW);
    const ids = [a, other, b, d, c, e, f].map((x) => x!.id);
    await runIt(store, a!.id);
    const changes = await store.apply(a!.id, { type: 'exit', at: NOW + 50, exitCode: 1, signal: null, cause: 'exit' });
    t.same(
      changes.map((x) => [x.task.label, x.from, x.task.state]).sort(),
      [
        ['A', 'RUNNING', 'ERROR'],
        ['B', 'WAITING', 'SKIPPED'],
        ['C', 'WAITING', 'SKIPPED'],
        ['D', 'WAITING', 'SKIPPED'],
        ['E', 'WAITING', 'SKIPPED'],
        ['F', 'WAITING', 'SKIPPED'],
      ].sort(),
      'every dependent, once each',
    );
    t.equal(changes.find((x) => x.task.label === 'C')?.task.reason, `dependency ${b!.id} was skipped, after ${a!.id} ended ERROR`);
    t.equal((await store.get(other!.id))?.state, 'WAITING', 'an unrelated task is untouched');
    t.equal(store.counts().SKIPPED, 5);
    await checkViews(t, h, store, ids, 'after the cascade');
  });

  t.test('dependency cascade from a kill of a waiting task', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [a] = await store.submit([draft()], NOW);
    const [b] = await store.submit([draft({ after: [a!.id] })], NOW);
    const changes = await store.apply(a!.id, { type: 'kill', at: NOW + 1 });
    t.same(
      changes.map((x) => x.task.state),
      ['STOPPED', 'SKIPPED'],
    );
    await checkViews(t, h, store, [a!.id, b!.id], 'after kill cascade');
  });

  t.test('remove: refuses claimed and running tasks, removes the rest everywhere', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const tasks = await store.submit([draft({ label: 'x' }), draft(), draft(), draft({ notBefore: NOW + 5000 }), draft()], NOW);
    const [claimed, running, waiting, later, done] = tasks.map((x) => x.id) as [string, string, string, string, string];
    await store.apply(claimed, { type: 'claim', worker: 'w1', at: NOW + 1 });
    await runIt(store, running, 'w1', NOW + 2);
    await finishIt(store, done, 0, NOW + 20);
    const removed = await store.remove([claimed, running, waiting, later, done, waiting, 'zzzzzzzz']);
    t.same([...removed].sort(), [waiting, later, done].sort(), 'only what is not claimed or running; duplicates and unknown ids ignored');
    for (const id of [waiting, later, done]) {
      t.equal(await store.get(id), undefined, `${id} is gone`);
      t.same(await store.findIds(id, 1), []);
    }
    t.equal(await store.nextDue(), undefined, 'its not-before went with it');
    t.same(
      (await store.ps({ label: 'x', limit: 10 })).running.map((x) => x.id),
      [claimed],
    );
    await checkViews(
      t,
      h,
      store,
      tasks.map((x) => x.id),
      'after remove',
    );
    t.same(await store.remove([]), []);
  });

  t.test('restore: removed tasks come back as they were, in every view; ids held are left alone', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const tasks = await store.submit([draft({ label: 'x' }), draft({ notBefore: NOW + 5000 }), draft(), draft()], NOW);
    const [queued, later, done, stays] = tasks.map((x) => x.id) as [string, string, string, string];
    await finishIt(store, done, 3, NOW + 20);
    const before = await Promise.all([queued, later, done].map(async (id) => (await store.get(id))!));
    t.same(await store.remove([queued, later, done]), [queued, later, done]);
    const restored = await store.restore([...before, (await store.get(stays))!]);
    t.same([...restored].sort(), [queued, later, done].sort(), 'a task the store holds is not restored again');
    for (const b of before) t.same(await store.get(b.id), b, `${b.id} is as it was`);
    t.equal(await store.nextDue(), NOW + 5000, 'its not-before is back');
    t.same(
      (await store.ps({ label: 'x', limit: 10 })).queued.map((x) => x.id),
      [queued],
      'and its queue place',
    );
    t.same(
      (await store.finished(10)).map((x) => x.id),
      [done],
      'and its finished index',
    );
    const claimed = await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 30 });
    t.equal(claimed?.task.id, queued, 'a restored queued task can be claimed');
    await checkViews(
      t,
      h,
      store,
      tasks.map((x) => x.id),
      'after restore',
    );
    const again = await h.reopen();
    await checkViews(
      t,
      h,
      again,
      tasks.map((x) => x.id),
      'after restore and reopen',
    );
    const next = await again.submit([draft()], NOW + 40);
    t.ok(next[0]!.id > stays, 'ids go on after the last');
  });

  t.test('restore of an id beyond the last given moves the last id up (ids are never reused)', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [a] = await store.submit([draft()], NOW);
    const copy = { ...(await store.get(a!.id))!, id: '1zzzzzzz', resultDir: '/r/1zzzzzzz' };
    t.same(await store.restore([copy]), ['1zzzzzzz']);
    const [b] = await store.submit([draft()], NOW + 1);
    t.ok(b!.id > '1zzzzzzz', `the next id (${b!.id}) comes after it`);
  });

  t.test('oldestFinished: by end time, oldest first; a limit and an end time bound it', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const tasks = await store.submit([draft(), draft(), draft(), draft()], NOW);
    const [a, b, c, waiting] = tasks.map((x) => x.id) as [string, string, string, string];
    await finishIt(store, c, 0, NOW + 10);
    await finishIt(store, a, 1, NOW + 20);
    await finishIt(store, b, 0, NOW + 30);
    t.same(
      (await store.oldestFinished(10)).map((x) => x.id),
      [c, a, b],
      'oldest end first; waiting tasks are not finished',
    );
    t.same(
      (await store.oldestFinished(2)).map((x) => x.id),
      [c, a],
    );
    t.same(
      (await store.oldestFinished(10, NOW + 30)).map((x) => x.id),
      [c, a],
      'ended before the time given',
    );
    t.same(await store.oldestFinished(10, NOW), []);
    t.notOk((await store.oldestFinished(10)).some((x) => x.id === waiting));
  });

  t.test('hosts: the one asking cannot forget itself, an unknown name is refused, nothing is forgotten', async (t) => {
    const { store } = await makeStore(t);
    t.match(await store.forgetHost('me', 'me', NOW), { ok: false, why: 'self' });
    t.match(await store.forgetHost('nobody', 'me', NOW), { ok: false, why: 'unknown' });
    t.same(await store.forgottenHosts(), []);
    t.ok(Array.isArray(await store.hosts('me')));
  });

  t.test('counts and queues survive close and reopen', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    const tasks = await store.submit(
      Array.from({ length: 6 }, (_, i) => draft({ priority: i })),
      NOW,
    );
    await finishIt(store, tasks[0]!.id, 0);
    await finishIt(store, tasks[1]!.id, 2);
    await store.apply(tasks[2]!.id, { type: 'claim', worker: 'w1', at: NOW + 30 });
    const counts = store.counts();
    t.match(counts, { SUCCESS: 1, ERROR: 1, CLAIMED: 1, WAITING: 3 });
    store = await h.reopen();
    t.same(store.counts(), counts, 'the same counts');
    t.same(
      (await store.active('w1')).map((x) => x.id),
      [tasks[2]!.id],
    );
    const next = await store.submit([draft()], NOW);
    t.ok(next[0]!.id > tasks[5]!.id, 'ids keep increasing after a reopen');
    t.equal((await store.claim({ worker: 'w2', tags: ['bash', 'unix'], now: NOW + 40 }))?.task.id, tasks[5]!.id, 'the queue order holds');
    await checkViews(
      t,
      h,
      store,
      [...tasks, ...next].map((x) => x.id),
      'after reopen',
    );
  });

  t.test('ps: filters', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [a, b, c, d] = await store.submit([draft({ label: 'night!ly' }), draft({ type: 'other', label: 'night!ly' }), draft({ type: 'other' }), draft()], NOW);
    await finishIt(store, c!.id, 3, NOW + 10);
    await runIt(store, d!.id, 'w9', NOW + 20);
    const ids = async (p: Parameters<Store['ps']>[0]) => {
      const r = await store.ps(p);
      return [...r.running, ...r.queued, ...r.finished].map((x) => x.id).sort();
    };
    t.same(await ids({ type: 'other' }), [b!.id, c!.id].sort());
    t.same(await ids({ label: 'night!ly' }), [a!.id, b!.id].sort());
    t.same(await ids({ type: 'other', label: 'night!ly' }), [b!.id]);
    t.same(await ids({ states: ['ERROR'] }), [c!.id]);
    t.same(await ids({ states: ['WAITING', 'RUNNING'] }), [a!.id, b!.id, d!.id].sort());
    t.same(await ids({ worker: 'w9' }), [d!.id]);
    t.same(await ids({ worker: 'w1' }), [c!.id], 'a finished task matches the worker of its attempts');
    t.same(await ids({ since: NOW + 1 }), []);
    t.same(await ids({ type: 'none' }), []);
    const r = await store.ps({ states: ['WAITING'] });
    t.same(r.running, []);
    t.same(r.finished, []);
  });

  t.test('ps: a task both scheduled and waiting on a dependency is listed once', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [dep] = await store.submit([draft()], NOW);
    const [both] = await store.submit([draft({ notBefore: NOW + 1000, after: [dep!.id] })], NOW);
    const r = await store.ps({ limit: 100 });
    t.same(
      r.queued.map((x) => x.id),
      [dep!.id, both!.id],
    );
    t.same(r.more, { queued: 0, finished: 0 });
    await checkViews(t, h, store, [dep!.id, both!.id], 'scheduled and blocked');
    await store.apply(both!.id, { type: 'due', at: NOW + 1000 });
    t.equal(await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + 1001 }).then((c) => c?.task.id), dep!.id, 'still waits for its dependency');
  });

  t.test('ps: a filter finds matching tasks deep in the queue, in run order', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [dep] = await store.submit([draft({ type: 'dep', tags: ['gpu'] })], NOW);
    await store.submit(
      Array.from({ length: 300 }, () => draft()),
      NOW,
    );
    await store.submit(
      Array.from({ length: 300 }, () => draft({ type: 'blocked', after: [dep!.id] })),
      NOW,
    );
    const [x1, x2, x3, x4] = await store.submit(
      [draft({ label: 'needle' }), draft({ label: 'needle', priority: 3 }), draft({ label: 'needle', after: [dep!.id] }), draft({ label: 'needle', notBefore: NOW + 5000 })],
      NOW + 1000,
    );
    const [y] = await store.submit([draft({ type: 'rare', after: [dep!.id] })], NOW + 2000);
    const labelled = await store.ps({ label: 'needle', limit: 5 });
    t.same(
      labelled.queued.map((x) => x.id),
      [x2!.id, x1!.id, x4!.id, x3!.id],
      'runnable by priority, then scheduled, then blocked',
    );
    const labelledPage = await store.ps({ label: 'needle', limit: 2 });
    t.same(
      labelledPage.queued.map((x) => x.id),
      [x2!.id, x1!.id],
    );
    const rare = await store.ps({ type: 'rare', limit: 5 });
    t.same(
      rare.queued.map((x) => x.id),
      [y!.id],
      'a blocked task of a type is found behind many blocked tasks of other types',
    );
    const blockedType = await store.ps({ type: 'blocked', limit: 3, states: ['WAITING'] });
    t.equal(blockedType.queued.length, 3);
  });

  t.test('ps --type/--label in a queue of 10^5: the next to run, in run order, wherever they are in the queue', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const N = 100_000;
    // Every 10th is of type x (half of those labelled l): early ones at priority 0, then one later
    // task of each at a higher priority, which must come first though it is the newest.
    for (let i = 0; i < N; i += 5000) {
      await store.submit(
        Array.from({ length: 5000 }, (_, j) => ((i + j) % 10 === 0 ? draft({ type: 'x', ...((i + j) % 20 === 0 ? { label: 'l' } : {}) }) : draft({ type: 'bulk' }))),
        NOW + i,
      );
    }
    const [late, lateLabelled, delayed] = await store.submit(
      [draft({ type: 'x', priority: 5 }), draft({ type: 'bulk', label: 'l', priority: 9 }), draft({ type: 'x', priority: 9, notBefore: NOW + 1e9 })],
      NOW + N,
    );
    t.equal(store.counts().WAITING, N + 3);
    const byType = await store.ps({ type: 'x', limit: 20 });
    t.equal(byType.queued[0]?.id, late!.id, 'the newest x, at a higher priority, is next');
    t.equal(byType.queued.length, 20);
    t.ok(
      byType.queued.slice(1).every((x, i, l) => x.type === 'x' && x.priority === 0 && (i === 0 || x.id > l[i - 1]!.id)),
      'then the oldest, first in first out',
    );
    const byLabel = await store.ps({ label: 'l', limit: 20 });
    t.equal(byLabel.queued[0]?.id, lateLabelled!.id, 'the newest labelled one, at a higher priority, is next');
    t.ok(byLabel.queued.slice(1).every((x, i, l) => x.label === 'l' && (i === 0 || x.id > l[i - 1]!.id)));
    const claimed = await store.claim({ worker: 'w1', tags: ['bash', 'unix'], now: NOW + N + 1 });
    t.equal(claimed?.task.id, lateLabelled!.id, 'and ps agrees with what a claim takes');
    const all = await store.ps({ type: 'x', limit: N });
    t.equal(all.queued.length, N / 10 + 2, 'every x, with a big enough page');
    t.equal(all.queued.at(-1)?.id, delayed!.id, 'a delayed one after the runnable ones');
  });

  t.test('queue groups of tag sets no task needs any more are forgotten', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const tagSets = Array.from({ length: 50 }, (_, i) => ['bash', `t${i}`]);
    const tasks = await store.submit(
      tagSets.map((tags) => draft({ tags })),
      NOW,
    );
    t.equal(store.runnableTagSets().length, 50);
    // Some leave by a claim, some by a kill, some by rm, one by a dependency it now waits on.
    for (const [i, task] of tasks.entries()) {
      if (i % 3 === 0) t.equal((await store.claim({ worker: 'w1', tags: tagSets[i]!, now: NOW + 1 }))?.task.id, task.id);
      else if (i % 3 === 1) await store.apply(task.id, { type: 'kill', at: NOW + 1 });
      else t.same(await store.remove([task.id]), [task.id]);
    }
    t.same(store.runnableTagSets(), [], 'none left once their last task left the queue');
    t.same((await h.reopen()).runnableTagSets(), [], 'nor after a reopen');
    if (h.consistency) t.same(await h.consistency(h.store), []);
  });

  t.test('ps with 10^4 tasks returns a page, with counts of the rest', async (t) => {
    const h = await makeStore(t);
    const { store } = h;
    const [failed] = await store.submit([draft({ type: 'root' })], NOW);
    await finishIt(store, failed!.id, 1);
    const N = 10_000;
    // Half queued, half finished at once (their dependency failed): no need to run them.
    const ds = Array.from({ length: N }, (_, i) => (i % 2 ? draft({ type: 'bulk', priority: i % 7 }) : draft({ type: 'bulk', after: [failed!.id] })));
    const tasks = [...(await store.submit(ds.slice(0, N / 2), NOW + 100)), ...(await store.submit(ds.slice(N / 2), NOW + 200))];
    t.equal(tasks.length, N);
    t.match(store.counts(), { WAITING: N / 2, SKIPPED: N / 2, ERROR: 1 });
    const page = await store.ps({ limit: 20 });
    t.equal(page.queued.length, 20);
    t.equal(page.finished.length, 20);
    t.same(page.more, { queued: N / 2 - 20, finished: N / 2 + 1 - 20 });
    t.match(page.counts, { WAITING: N / 2, SKIPPED: N / 2, ERROR: 1 });
    t.ok(
      page.queued.every((x, i, l) => i === 0 || x.priority <= l[i - 1]!.priority),
      'queued in run order: priority first',
    );
    t.equal(page.queued[0]!.priority, 6);
    t.ok(
      page.finished.every((x, i, l) => i === 0 || (x.endedAt ?? 0) <= (l[i - 1]!.endedAt ?? 0)),
      'latest finished first',
    );
    const byType = await store.ps({ type: 'bulk', limit: 5, states: ['SKIPPED'] });
    t.equal(byType.finished.length, 5);
    t.equal(byType.queued.length, 0);
    const big = await store.ps({ limit: 10000, states: ['WAITING'] });
    t.equal(big.queued.length, N / 2, 'a page as large as asked');
    t.equal(new Set(big.queued.map((x) => x.id)).size, N / 2);
  });

  t.test('stored task types: put, replace, list, remove; they survive a reopen and touch no task', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    t.same(await store.storedTypes(), []);
    await store.putStoredType({ name: 'a', format: 'toml', content: 'command = "true"\n', addedAt: 1 });
    await store.putStoredType({ name: 'b', format: 'json', content: '{"command":"true"}', addedAt: 2 });
    await store.putStoredType({ name: 'a', format: 'toml', content: 'command = "false"\n', addedAt: 3 });
    t.same(
      (await store.storedTypes()).sort((x, y) => x.name.localeCompare(y.name)),
      [
        { name: 'a', format: 'toml', content: 'command = "false"\n', addedAt: 3 },
        { name: 'b', format: 'json', content: '{"command":"true"}', addedAt: 2 },
      ],
    );
    store = await h.reopen();
    t.equal((await store.storedTypes()).length, 2, 'kept across a reopen');
    t.equal(await store.removeStoredType('a'), true);
    t.equal(await store.removeStoredType('a'), false, 'already gone');
    t.same(
      (await store.storedTypes()).map((x) => x.name),
      ['b'],
    );
    t.same(store.counts(), Object.fromEntries(ALL_STATES.map((s) => [s, 0])), 'no task counted');
    if (h.consistency) t.same(await h.consistency(store), []);
  });

  t.test('stats: counts by type, the latest finished, how many ended since, samples kept and dropped', async (t) => {
    const h = await makeStore(t);
    let store = h.store;
    const [a, b, c] = await store.submit([draft({ type: 'x' }), draft({ type: 'x' }), draft({ type: 'y' })], NOW);
    await finishIt(store, a!.id, 0, NOW + 10);
    await finishIt(store, c!.id, 2, NOW + 20);
    t.same(store.countsByType(), { x: { SUCCESS: 1, WAITING: 1 }, y: { ERROR: 1 } });
    t.same(
      (await store.finished(10)).map((x) => x.id),
      [c!.id, a!.id],
      'newest first',
    );
    t.same(
      (await store.finished(1)).map((x) => x.id),
      [c!.id],
    );
    t.equal(await store.countFinishedSince(NOW, 100), 2);
    t.equal(await store.countFinishedSince(NOW + 10, 100), 1, 'strictly after');
    t.equal(await store.countFinishedSince(NOW, 1), 1, 'capped');
    await store.remove([a!.id]);
    t.same(store.countsByType(), { x: { WAITING: 1 }, y: { ERROR: 1 } }, 'a type with nothing left in a state has no entry for it');
    store = await h.reopen();
    t.same(store.countsByType(), { x: { WAITING: 1 }, y: { ERROR: 1 } }, 'kept across a reopen');

    const sample = (at: number) => ({ at, counts: store.counts(), finished: 1, rss: 1, cpu: 2, lag: 0, elu: 0.01, workers: 1 });
    for (const at of [100, 200, 300, 400]) await store.appendSample(sample(at), 0);
    t.same(
      (await store.samples(0, 10)).map((x) => x.at),
      [100, 200, 300, 400],
      'oldest first',
    );
    t.same(
      (await store.samples(0, 2)).map((x) => x.at),
      [300, 400],
      'the newest N',
    );
    t.same(
      (await store.samples(250, 10)).map((x) => x.at),
      [300, 400],
      'since a time',
    );
    await store.appendSample(sample(500), 300);
    t.same(
      (await store.samples(0, 10)).map((x) => x.at),
      [300, 400, 500],
      'older ones dropped as new ones come',
    );
    t.same(await store.samples(0, 10).then((l) => l[2]), sample(500));
    t.equal(b!.state, 'WAITING');
    if (h.consistency) t.same(await h.consistency(store), []);
  });
}
