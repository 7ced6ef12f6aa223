// An old store must keep loading: the checked-in schema-1 fixture opens with the
// current LevelStore, migrates, counts right and hands out its runnable tasks.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ClassicLevel } from 'classic-level';
import { LevelStore } from '../../src/daemon/store/level.js';
import { LATEST_SCHEMA } from '../../src/daemon/store/migrations.js';
import { StoreError } from '../../src/daemon/store/store.js';
import { FIXTURE_TASKS } from '../../scripts/make-store-v1-fixture.js';
import { levelConsistency } from '../helpers/level.js';
import { ROOT, TestHome } from '../helpers/home.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'store-v1');

/** A private copy of the fixture: opening a LevelDB dir writes to it. */
function copyFixture(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-mig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'db');
  cpSync(FIXTURE, db, { recursive: true });
  return db;
}

async function dump(location: string): Promise<Array<[string, unknown]>> {
  const db = new ClassicLevel<string, unknown>(location, { valueEncoding: 'json' });
  await db.open();
  try {
    return await db.iterator().all();
  } finally {
    await db.close();
  }
}

async function rawPut(location: string, ops: Array<{ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }>): Promise<void> {
  const db = new ClassicLevel<string, unknown>(location, { valueEncoding: 'json' });
  await db.open();
  await db.batch(ops as never);
  await db.close();
}

async function openError(location: string): Promise<StoreError | undefined> {
  const store = new LevelStore({ location, resultsRoot: '/nonexistent' });
  try {
    await store.open();
  } catch (err) {
    return err as StoreError;
  }
  await store.close();
  return undefined;
}

t.test('the fixture really is schema 1: no counters, no group registry', async (t) => {
  const keys = (await dump(copyFixture(t))).map(([k]) => k);
  t.ok(keys.includes('m!schema'));
  t.notOk(keys.some((k) => k.startsWith('c!') || k.startsWith('g!')));
  t.equal(keys.filter((k) => k.startsWith('t!')).length, FIXTURE_TASKS.length);
});

t.test('a schema-1 store opens, migrates to the latest schema, counts right and claims', async (t) => {
  const location = copyFixture(t);
  let store = new LevelStore({ location, resultsRoot: path.dirname(location), random: () => 0.5 });
  await store.open();
  t.teardown(() => store.close().catch(() => {}));
  t.equal(await store.schemaVersion, LATEST_SCHEMA);
  t.same(store.counts(), { WAITING: 6, CLAIMED: 0, RUNNING: 1, SUCCESS: 1, ERROR: 1, TIMEDOUT: 0, STOPPED: 0, LOST: 0, SKIPPED: 1 });
  t.same(await levelConsistency(store), [], 'counters, groups and indexes agree with the records');
  for (const task of FIXTURE_TASKS) t.same(await store.get(task.id), task, `${task.id} reads back unchanged`);

  const ps = await store.ps({ limit: 50 });
  t.same(
    ps.running.map((x) => x.id),
    ['0cf48g08'],
  );
  t.same(
    ps.queued.map((x) => x.id),
    ['0cf48g05', '0cf48g03', '0cf48g04', '0cf48g06', '0cf48g07', '0cf48g09'],
    'queued in run order',
  );
  t.same(
    ps.finished.map((x) => x.id),
    ['0cf48g02', '0cf48g01', '0cf48g00'],
    'latest first; a tie by id',
  );
  t.same(
    (await store.active('w-old')).map((x) => x.id),
    ['0cf48g08'],
  );
  t.equal(await store.nextDue(), Date.UTC(2099, 0, 1));
  t.same(await store.dependents('0cf48g08'), ['0cf48g09']);

  // A worker with only "unix" takes the greet tasks; one with bash too takes the rest, by priority.
  const claim = (tags: string[]) => store.claim({ worker: 'w-new', tags, now: Date.now() }).then((c) => c?.task.id);
  t.equal(await claim(['unix']), '0cf48g04');
  const order = [];
  for (let id = await claim(['bash', 'unix']); id; id = await claim(['bash', 'unix'])) order.push(id);
  t.same(order, ['0cf48g05', '0cf48g03', '0cf48g06'], 'priority then FIFO, across groups; the retry and the blocked task stay');

  // The running task of the old daemon still holds its type's only slot.
  await store.apply('0cf48g08', { type: 'exit', at: Date.now(), exitCode: 0, signal: null, cause: 'exit' });
  t.equal(await claim(['bash', 'unix']), '0cf48g09', 'its dependent is runnable once it succeeded');

  const [fresh] = await store.submit(
    [{ ...FIXTURE_TASKS[3]!, label: 'new' }].map(({ id: _i, resultDir: _r, createdAt: _c, updatedAt: _u, state: _s, attempt: _a, attempts: _at, waitingOn: _w, ...d }) => d),
    Date.UTC(2025, 0, 1),
  );
  t.ok(fresh!.id > '0cf48g09', 'new ids sort after the old ones, even with a clock behind them');

  // Migrated once: reopening does not migrate again, and everything holds.
  const counts = store.counts();
  await store.close();
  store = new LevelStore({ location, resultsRoot: path.dirname(location) });
  await store.open();
  t.same(store.counts(), counts);
  t.same(await levelConsistency(store), []);
});

t.test('a store of a newer schema refuses to open and changes nothing', async (t) => {
  const location = copyFixture(t);
  await rawPut(location, [{ type: 'put', key: 'm!schema', value: LATEST_SCHEMA + 7 }]);
  const before = await dump(location);
  const err = await openError(location);
  t.ok(err instanceof StoreError);
  t.equal(err?.kind, 'newer-schema');
  t.match(err?.message, new RegExp(`written by a newer blanket \\(schema ${LATEST_SCHEMA + 7}, this one knows up to ${LATEST_SCHEMA}\\); upgrade blanket`));
  t.same(await dump(location), before, 'every key and value as it was');
});

t.test('a directory with data but no schema key refuses to open and changes nothing', async (t) => {
  const location = copyFixture(t);
  await rawPut(location, [{ type: 'del', key: 'm!schema' }]);
  const before = await dump(location);
  const err = await openError(location);
  t.equal(err?.kind, 'corrupt');
  t.match(err?.message, /has data but no schema version: it is not a blanket store, or it is damaged/);
  t.same(await dump(location), before);
});

t.test('an empty directory becomes a store of the latest schema', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-mig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new LevelStore({ location: path.join(dir, 'db'), resultsRoot: dir });
  await store.open();
  t.equal(await store.schemaVersion, LATEST_SCHEMA);
  await store.close();
});

t.test('through the daemon: the old store loads; a newer one is refused with a clear error', async (t) => {
  const h = new TestHome(t);
  cpSync(FIXTURE, h.paths.db, { recursive: true });
  const ps = await h.run(['ps', '--json', '-n', '50']);
  t.equal(ps.code, 0, ps.stderr);
  const r = JSON.parse(ps.stdout);
  t.match(r.counts, { WAITING: 6, RUNNING: 1, SUCCESS: 1, ERROR: 1, SKIPPED: 1 });
  t.equal(r.queued[0].id, '0cf48g05');

  const newer = new TestHome(t);
  cpSync(FIXTURE, newer.paths.db, { recursive: true });
  await rawPut(newer.paths.db, [{ type: 'put', key: 'm!schema', value: LATEST_SCHEMA + 1 }]);
  const before = await dump(newer.paths.db);
  const res = await newer.run(['ps', '--json']);
  t.not(res.code, 0, 'exits non-zero');
  const { error } = JSON.parse(res.stdout);
  t.equal(error.code, 'STORE_CORRUPT');
  t.match(error.message, /the daemon could not start: the store was written by a newer blanket/);
  t.same(await dump(newer.paths.db), before, 'the newer store is untouched');
  t.equal(newer.daemonPid(), undefined, 'no daemon left running');
});
