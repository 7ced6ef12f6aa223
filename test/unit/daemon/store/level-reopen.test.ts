// After a write fails for want of space the LevelStore closes and reopens its handle before the
// next write. Reads do not take the writers' lock: one arriving while the handle is closed (or
// closed under it) waits for the reopen instead of failing with LEVEL_DATABASE_NOT_OPEN.
import t from 'tap';
import type { LevelStore } from '../../../../src/daemon/store/level.js';
import { makeLevelStore } from '../../../helpers/level.js';
import { draft } from '../../../helpers/tasks.js';

t.test('reads made while the store reopens after a full disk wait for it and succeed', async (t) => {
  const handle = await makeLevelStore(t as never);
  const store = handle.store as LevelStore;
  const [task] = await store.submit([draft()], Date.now());
  const db = (store as unknown as { db: { batch: (...args: unknown[]) => Promise<void> } }).db;
  const batch = db.batch.bind(db);
  let failures = 1;
  db.batch = (...args: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('IO error: 000005.log: No space left on device')) : batch(...args));
  t.match(await store.submit([draft()], Date.now()).catch((err: unknown) => err), { kind: 'full' }, 'the first write meets the full disk');

  // The next write reopens the handle; reads of every kind run beside it, before, during and after the close.
  const reads: Promise<unknown>[] = [];
  const readAll = () => {
    reads.push(store.get(task!.id), store.ps({}), store.active(), store.listSchedules(), store.nextDue(), store.finished(5), store.schemaVersion);
  };
  readAll();
  const write = store.submit([draft()], Date.now());
  for (let i = 0; i < 20; i++) {
    readAll();
    await new Promise((r) => setImmediate(r));
  }
  await write;
  const results = await Promise.allSettled(reads);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  t.same(failed, [], 'no read failed');
  t.equal(((await store.get(task!.id)) as { id: string }).id, task!.id);
  t.equal(store.counts().WAITING, 2, 'the write after the reopen went through');
});
