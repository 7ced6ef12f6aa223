// db check and db repair know every key this branch writes: per-type counters
// are checked and rebuilt; stored task types, stats samples and schedules are
// records of their own that a repair keeps.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { ClassicLevel } from 'classic-level';
import { LevelStore } from '../../src/daemon/store/level.js';
import { draft, T0 } from '../helpers/tasks.js';
import { levelConsistency } from '../helpers/level.js';

t.test('check and repair with counters by type, stored types, samples and schedules', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new LevelStore({ location: path.join(dir, 'db'), resultsRoot: path.join(dir, 'results'), sync: false, random: () => 0.5 });
  await store.open();
  t.teardown(() => store.close().catch(() => {}));
  const [a] = await store.submit([draft({ type: 'x' }), draft({ type: 'y' }), draft({ type: 'y' })], T0);
  await store.apply(a!.id, { type: 'kill', at: T0 + 1 });
  await store.putStoredType({ name: 'mine', format: 'toml', content: 'command = "true"\n', addedAt: T0 });
  await store.appendSample({ at: T0, counts: store.counts(), finished: 0, rss: 1, cpu: 1, lag: 0, elu: 0, workers: 0 }, 0);
  const db = (store as unknown as { db: ClassicLevel<string, unknown> }).db;
  await db.put('sc!nightly', { name: 'nightly' });

  const ok = await store.admin.check();
  t.same(ok.problems, [], 'a sound store: no key is unknown, every counter right');

  await db.put('ct!y!WAITING', 5);
  await db.del('ct!x!STOPPED');
  const bad = await store.admin.check();
  t.same(bad.problems.map((p) => [p.kind, p.key]).sort(), [
    ['counter', 'ct!x!STOPPED'],
    ['counter', 'ct!y!WAITING'],
  ]);

  const repaired = await store.admin.repair(path.join(dir, 'backup'));
  t.ok(repaired.backup, 'a backup first');
  t.equal(repaired.problemsBefore, 2);
  t.same((await store.admin.check()).problems, [], 'repaired');
  t.same(store.countsByType(), { x: { STOPPED: 1 }, y: { WAITING: 2 } }, 'counters by type rebuilt from the records');
  t.same(
    (await store.storedTypes()).map((x) => x.name),
    ['mine'],
    'the stored type is kept',
  );
  t.equal((await store.samples(0, 10)).length, 1, 'the sample is kept');
  t.same(await db.get('sc!nightly'), { name: 'nightly' }, 'the schedule is kept');
  t.same(await levelConsistency(store), []);
});

t.test('queue-group keys: none left behind by a drained queue; empty ones an older store kept go at open', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const opts = { location: path.join(dir, 'db'), resultsRoot: path.join(dir, 'results'), sync: false, random: () => 0.5 };
  let store = new LevelStore(opts);
  await store.open();
  t.teardown(() => store.close().catch(() => {}));
  const db = () => (store as unknown as { db: ClassicLevel<string, unknown> }).db;
  const groupKeys = async () => (await db().keys({ gte: 'g!', lt: 'g!\xff' }).all()).length;
  // 200 distinct tag sets, drained by claims, kills and rm: no g! key is left.
  const tasks = await store.submit(
    Array.from({ length: 200 }, (_, i) => draft({ tags: ['bash', `only-${i}`] })),
    T0,
  );
  t.equal(await groupKeys(), 200);
  for (const [i, task] of tasks.entries()) {
    if (i % 3 === 0) await store.claim({ worker: 'w1', tags: ['bash', `only-${i}`], now: T0 + 1 });
    else if (i % 3 === 1) await store.apply(task.id, { type: 'kill', at: T0 + 1 });
    else await store.remove([task.id]);
  }
  t.equal(await groupKeys(), 0, 'every g! key went with its last task');
  // As an older blanket left them: registered groups without a queued task, that no worker's claim would visit.
  await db().batch([
    { type: 'put', key: 'g!nobody|x', value: '' },
    { type: 'put', key: 'g!gpu,nobody|y', value: '' },
  ]);
  await store.close();
  store = new LevelStore(opts);
  await store.open();
  t.equal(await groupKeys(), 0, 'dropped at open');
  t.same(store.runnableTagSets(), []);
});
