// The LevelDB store's schedule records: real LevelDB in a temp dir, no daemon.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import t from 'tap';
import { LevelStore } from '../../src/daemon/store/level.js';
import { LATEST_SCHEMA } from '../../src/daemon/store/migrations.js';
import type { TaskDraft } from '../../src/daemon/store/store.js';
import type { ScheduleRecord, Task } from '../../src/protocol/model.js';

const T = Date.parse('2026-11-28T09:00:00Z');

function dir(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bk-store-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const draft = (patch: Partial<TaskDraft> = {}): TaskDraft => ({
  type: 'shell',
  priority: 0,
  env: { COMMAND: 'true' },
  tags: [],
  executor: 'sh',
  command: 'true',
  files: [],
  timeout: 60,
  retries: 0,
  retryBackoff: 0,
  maxConcurrent: 0,
  after: [],
  ...patch,
});

const record = (patch: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
  name: 'tick',
  cron: '*/2 * * * * *',
  task: { type: 'shell', env: { COMMAND: 'true' } },
  overlap: 'skip',
  catchUp: 'latest',
  catchUpMax: 10,
  source: 'cli',
  paused: false,
  createdAt: T,
  updatedAt: T,
  cursor: T,
  queued: [],
  skipped: 0,
  ...patch,
});

t.test('schedule records, and a fire written with its task in one batch', async (t) => {
  const d = dir(t);
  const store = new LevelStore({ location: path.join(d, 'db'), resultsRoot: path.join(d, 'results'), sync: false });
  await store.open();
  t.same(await store.listSchedules(), []);
  await store.putSchedule(record());
  await store.putSchedule(record({ name: 'backup', cron: '0 3 * * *' }));
  t.same(
    (await store.listSchedules()).map((s) => s.name),
    ['backup', 'tick'],
    'listed by name',
  );

  const fired = record({ cursor: T + 2000 });
  const [task] = await store.submit([draft({ schedule: { name: 'tick', fireAt: T + 2000 } })], T + 2001, { schedules: [fired] });
  t.same(await store.getSchedule('tick'), fired, 'the cursor moved with the task');
  t.same(task!.schedule, { name: 'tick', fireAt: T + 2000 });
  const [second] = await store.submit([draft({ schedule: { name: 'tick', fireAt: T + 4000 } })], T + 4001);
  await store.submit([draft()], T + 4002);
  t.same(await store.scheduleTasks('tick', 10), [second!.id, task!.id], 'its tasks, newest first');
  t.same(await store.scheduleTasks('tick', 1), [second!.id]);
  t.same(await store.scheduleTasks('backup', 10), []);

  t.equal(await store.removeSchedule('tick'), true);
  t.equal(await store.removeSchedule('tick'), false);
  t.equal(await store.getSchedule('tick'), undefined);
  t.same(await store.scheduleTasks('tick', 10), [second!.id, task!.id], 'the tasks stay');
  t.same(await store.remove([task!.id]), [task!.id]);
  t.same(await store.scheduleTasks('tick', 10), [second!.id], 'a removed task leaves the index');
  await store.close();
});

t.test('migration 3 indexes the tasks schedules made in an older store', async (t) => {
  const d = dir(t);
  const location = path.join(d, 'db');
  const old = new LevelStore({ location, resultsRoot: path.join(d, 'results'), sync: false });
  await old.open();
  const [a, b] = await old.submit([draft({ schedule: { name: 'nightly', fireAt: T } }), draft()], T);
  await old.close();
  // Make it a schema-2 store: no index entries of the new kind.
  const db = new ClassicLevel<string, unknown>(location, { valueEncoding: 'json' });
  await db.open();
  for await (const key of db.keys({ gte: 'st!', lt: 'st!\xff' })) await db.del(key);
  await db.put('m!schema', 2);
  await db.close();

  const store = new LevelStore({ location, resultsRoot: path.join(d, 'results'), sync: false });
  await store.open();
  t.equal(await store.schemaVersion, LATEST_SCHEMA, 'migrated (through 3, and any later migrations)');
  t.same(await store.scheduleTasks('nightly', 10), [a!.id]);
  t.equal(((await store.get(b!.id)) as Task).schedule, undefined);
  await store.close();
});
