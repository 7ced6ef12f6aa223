// The "queue" overlap policy's drain, run when a schedule's run ends, on a store that cannot
// write (a full disk, injected as in test/reliability/disk-full.test.ts): the failure is handled,
// logged, and the drain retried with the scheduler's backoff once writes go through again.
import t from 'tap';
import type { Fields, Logger } from '../../../src/daemon/log.js';
import { Engine } from '../../../src/daemon/engine.js';
import { EventBus } from '../../../src/daemon/events.js';
import { Scheduler } from '../../../src/daemon/schedules/scheduler.js';
import type { LevelStore } from '../../../src/daemon/store/level.js';
import { WorkerRegistry } from '../../../src/daemon/workers/registry.js';
import type { ScheduleRecord } from '../../../src/protocol/model.js';
import { makeLevelStore } from '../../helpers/level.js';
import { draft } from '../../helpers/tasks.js';
import { waitFor } from '../../helpers/home.js';

function memoryLog(lines: { level: string; msg: string; fields?: Fields }[]): Logger {
  const log: Logger = {
    log: (level, msg, fields) => void lines.push({ level, msg, ...(fields ? { fields } : {}) }),
    debug: (msg, fields) => log.log('debug', msg, fields),
    info: (msg, fields) => log.log('info', msg, fields),
    warn: (msg, fields) => log.log('warn', msg, fields),
    error: (msg, fields) => log.log('error', msg, fields),
    child: () => log,
    close: async () => {},
  };
  return log;
}

t.test('a queued fire that cannot be written when the previous run ends is logged and retried, never an unhandled rejection', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => void unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => void process.off('unhandledRejection', onUnhandled));

  const handle = await makeLevelStore(t as never);
  const store = handle.store as LevelStore;
  // The disk is "full" for the batches that write a schedule (a fire's task and its cursor), not for a run's ending.
  let full = false;
  const db = (store as unknown as { db: { batch: (ops: { key: string }[], ...rest: unknown[]) => Promise<void> } }).db;
  const batch = db.batch.bind(db);
  db.batch = (ops, ...rest) =>
    full && ops.some((op) => String(op.key).startsWith('sc!')) ? Promise.reject(new Error('IO error: 000005.log: No space left on device')) : batch(ops, ...rest);

  const lines: { level: string; msg: string; fields?: Fields }[] = [];
  const log = memoryLog(lines);
  const events = new EventBus();
  const workers = new WorkerRegistry({ lost: () => {}, changed: () => {}, now: () => Date.now() });
  const engine = new Engine(store, events, workers, log, () => Date.now());
  t.teardown(() => {
    engine.close();
    workers.close();
  });

  const now = Date.now();
  // A schedule whose next fire is far off, with one fire queued behind a run that is still waiting.
  const rec: ScheduleRecord = {
    name: 'q',
    cron: '0 0 1 1 *',
    task: { type: 'quiet' },
    overlap: 'queue',
    catchUp: 'latest',
    catchUpMax: 10,
    source: 'cli',
    paused: false,
    createdAt: now,
    updatedAt: now,
    cursor: now,
    queued: [now - 1000],
    skipped: 0,
  };
  const [running] = await engine.submit([draft({ type: 'quiet', schedule: { name: 'q', fireAt: now - 2000 } })], { schedules: [rec] });

  const scheduler = new Scheduler({ store, engine, events, log, now: () => Date.now(), prepare: async (p) => ({ draft: draft({ type: p.type }), warnings: [] }), entries: [] });
  t.teardown(() => scheduler.close());
  await scheduler.start();
  t.same((await scheduler.show('q')).schedule.queued, [now - 1000], 'the fire waits: its previous run has not ended');

  full = true;
  await engine.apply(running!.id, { type: 'kill', at: Date.now() });
  await waitFor(
    'the failed drain to be logged (or to reject unhandled)',
    () => unhandled.length > 0 || lines.some((l) => l.level === 'error' && /schedule could not fire/.test(l.msg)),
    10_000,
  );
  t.same(unhandled, [], 'no unhandled rejection');
  t.equal(lines.filter((l) => l.level === 'error').length, 1, 'logged once');
  t.same((await scheduler.show('q')).schedule.queued, [now - 1000], 'the queued fire is kept');

  full = false;
  const made = await waitFor('the queued fire to be submitted by a retry', async () => (await store.scheduleTasks('q', 10)).find((id) => id !== running!.id), 10_000);
  t.ok(made, 'the retry submitted the queued fire');
  t.same((await scheduler.show('q')).schedule.queued, [], 'and took it off the queue');
  t.ok(
    lines.some((l) => l.msg === 'schedule fires again'),
    'the recovery is logged',
  );
  t.same(unhandled, [], 'still no unhandled rejection');
});
