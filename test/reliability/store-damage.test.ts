// Flipped bytes in each kind of store file: the daemon refuses to start with a
// clear error and touches nothing (CURRENT, the MANIFEST), or, for a table
// LevelDB opens as it is, starts and warns; for a write-ahead log, keeps a copy
// of the files as they were, then starts (LevelDB drops what it cannot read) and
// warns; db check names the file; db
// repair backs up, salvages and rebuilds; the daemon starts again. Then damage that only the
// records show (a record that is not JSON, a lost index key, a wrong counter),
// repaired through a running daemon, and dump, backup and restore.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ClassicLevel } from 'classic-level';
import { offlineCheck } from '../../src/daemon/store/offline.js';
import type { DbCheckResult, DbRepairResult } from '../../src/protocol/db.js';
import type { Task } from '../../src/protocol/model.js';
import { TestHome, waitFor } from '../helpers/home.js';
import { SOAK } from '../helpers/reliability.js';

// Scenarios wait on real processes and timeouts: more room than tap's default 180 s on a loaded machine.
t.setTimeout(SOAK ? 3_600_000 : 600_000);

/** The store's data files and their hashes (LOG, LOG.old and LOCK are LevelDB's diary and lock, not data). */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    if (f === 'LOG' || f === 'LOG.old' || f === 'LOCK') continue;
    out[f] = createHash('sha256')
      .update(readFileSync(path.join(dir, f)))
      .digest('hex');
  }
  return out;
}

function flip(file: string, offset: number, n: number): void {
  const b = readFileSync(file);
  for (let i = offset; i < Math.min(b.length, offset + n); i++) b[i]! ^= 0x5a;
  writeFileSync(file, b);
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

t.test('flipped bytes in a store file', async (t) => {
  const h = new TestHome(t, { workers: false });
  // 300 tasks in a table (written at one start, replayed into a table at the next), 20 more in the log.
  t.equal((await h.run(['daemon', 'start'])).code, 0);
  let c = await h.client();
  const { ids } = await c.call('run.batch', { tasks: Array.from({ length: 300 }, (_, i) => ({ type: 'echo_task', label: `l${i % 7}` })) });
  await c.call('kill', { ids: ids.slice(0, 50) });
  await h.ok(['daemon', 'stop']);
  await h.ok(['daemon', 'start']);
  c = await h.client();
  await c.call('run.batch', { tasks: Array.from({ length: 20 }, () => ({ type: 'echo_task' })) });
  await h.ok(['daemon', 'stop']);
  const db = h.paths.db;
  const pristine = `${db}.pristine`;
  cpSync(db, pristine, { recursive: true });
  const files = readdirSync(db);
  t.ok(files.some((f) => f.endsWith('.ldb')) && files.some((f) => f.endsWith('.log')), `tables and a log: ${files.join(' ')}`);

  const cases = [
    // A data block among the task records (keys t!…, most of the table): what a start reads (counters, groups, active tasks) is elsewhere.
    { what: 'a table', file: files.find((f) => f.endsWith('.ldb'))!, at: (size: number) => Math.floor(size * 0.7), n: 16, lose: [1, 40], starts: true },
    { what: 'the MANIFEST', file: files.find((f) => f.startsWith('MANIFEST-'))!, at: () => 12, n: 2, lose: [0, 0] },
    { what: 'the write-ahead log', file: files.find((f) => f.endsWith('.log'))!, at: (size: number) => Math.floor(size / 2), n: 2, lose: [20, 20], replayed: true },
    { what: 'CURRENT', file: 'CURRENT', at: () => 3, n: 1, lose: [0, 0] },
  ];
  /** The daemon does not start, says why, and changes nothing. */
  async function refused(t: Test, file: string, damaged: Record<string, string>): Promise<void> {
    const start = await h.run(['daemon', 'start', '--json']);
    t.equal(start.code, 1, 'the daemon does not start');
    const err = json(start).error;
    t.equal(err.code, 'STORE_CORRUPT');
    t.match(err.message, `the store at ${db} is damaged`);
    t.match(err.message, file, 'the message names the file');
    t.match(err.hint, /blanket db check/);
    t.same(hashes(db), damaged, 'no store file was changed, added or removed');
    t.notOk(existsSync(h.paths.socket), 'no socket');
    t.equal(h.daemonPid(), undefined, 'no pid file');
  }
  for (const k of cases) {
    await t.test(`in ${k.what} (${k.file})`, async (t) => {
      rmSync(db, { recursive: true, force: true });
      cpSync(pristine, db, { recursive: true });
      rmSync(`${db}.verified.json`, { force: true });
      const target = path.join(db, k.file);
      flip(target, k.at(readFileSync(target).length), k.n);
      const damaged = hashes(db);

      if (k.replayed) {
        // With nowhere to keep the copy (the backups directory cannot be made: a file is in the
        // way), the start is refused and changes nothing.
        writeFileSync(path.join(h.dir, 'in-the-way'), '');
        writeFileSync(h.paths.config, '[backup]\ndir = "in-the-way/backups"\n');
        const noRoom = await h.run(['daemon', 'start', '--json']);
        t.equal(noRoom.code, 1, 'without a copy the daemon does not start');
        t.match(json(noRoom).error, { code: 'STORE_CORRUPT', message: new RegExp(`${k.file}.*a copy of its files could not be kept.*ENOTDIR`) });
        t.same(hashes(db), damaged, 'no store file was changed, added or removed');
        t.notOk(existsSync(h.paths.socket), 'no socket');
        rmSync(h.paths.config);
        // LevelDB opens a store whose log is damaged (replaying what it can read, deleting the
        // log): the start first keeps the files as they were, then serves, and warns once.
        const start = await h.run(['daemon', 'start', '--json']);
        t.equal(start.code, 0, `the daemon starts: ${start.stdout}${start.stderr}`);
        const warned = readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('write-ahead log was damaged'))
          .map((l) => JSON.parse(l));
        t.equal(warned.length, 1, 'one warning line in daemon.log');
        const kept = path.join(
          h.dir,
          'backups',
          readdirSync(path.join(h.dir, 'backups')).find((d) => d.startsWith('damaged-'))!,
        );
        t.match(
          warned[0],
          { level: 'warn', file: k.file, problems: [/checksum/], copy: path.join(kept, 'db'), hint: new RegExp(`BLANKET_HOME=${kept} blanket db check`) },
          'naming the log, the damage, the copy and how to inspect it',
        );
        t.same(hashes(path.join(kept, 'db')), damaged, 'the copy holds every store file as it was, the damaged log byte for byte');
        t.equal((statSync(kept).mode & 0o777).toString(8), '700', 'the copy is private');
        t.notOk(existsSync(path.join(db, k.file)), 'LevelDB replayed the damaged log and deleted it');
        t.match(
          (await h.json(['daemon', 'status'])).storeWarnings,
          [new RegExp(`damaged write-ahead log ${k.file} .*${path.join(kept, 'db')}`)],
          'daemon status says so, with the copy',
        );
        t.match(await h.ok(['daemon', 'status']), `store     damaged write-ahead log ${k.file}`);
        const counts = (await h.json(['ps'])).counts as Record<string, number>;
        t.equal(
          Object.values(counts).reduce((a, b) => a + b, 0),
          300,
          'every task outside the damaged commit is there; the 20 of that commit are not',
        );
        const live = await h.run(['db', 'check', '--json']);
        t.equal(live.code, 0, `db check is clean: LevelDB dropped whole commits: ${live.stdout.slice(0, 2000)}`);
        await h.ok(['daemon', 'stop']);
        // The copy, inspected as the hint says, still shows the damage; the live store is not touched.
        const inspect = await h.run(['db', 'check', '--json'], { env: { BLANKET_HOME: kept } });
        t.equal(inspect.code, 1, 'db check on the copy exits 1');
        t.ok(
          (json(inspect) as DbCheckResult).problems.some((p) => p.kind === 'file' && p.file === k.file),
          `and names ${k.file}`,
        );
        t.same(hashes(path.join(kept, 'db')), damaged, 'checking the copy changed nothing');
        t.equal((await h.run(['daemon', 'start'])).code, 0, 'the daemon starts again, with no warning');
        t.equal(
          readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8')
            .split('\n')
            .filter((l) => l.includes('write-ahead log was damaged')).length,
          1,
        );
        t.equal((await h.json(['daemon', 'status'])).storeWarnings, undefined, 'nor in daemon status');
        await h.ok(['daemon', 'stop']);
        rmSync(path.join(h.paths.logs, 'daemon.log'));
        rmSync(path.join(h.dir, 'backups'), { recursive: true });
        return;
      }
      if (k.starts) {
        // LevelDB opens a store with a damaged table block as it is: the start warns, and serves.
        const start = await h.run(['daemon', 'start', '--json']);
        t.equal(start.code, 0, `the daemon starts: ${start.stdout}${start.stderr}`);
        const warned = readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('damaged table'))
          .map((l) => JSON.parse(l));
        t.equal(warned.length, 1, 'one warning line in daemon.log');
        t.match(warned[0], { level: 'warn', file: k.file, problem: /checksum/, hint: /blanket db check/ }, 'naming the file and what is wrong, with a hint');
        t.ok((await (await h.client()).call('ps', { limit: 5 })).counts, 'ps answers');
        t.match((await h.json(['daemon', 'status'])).storeWarnings, [new RegExp(`damaged table ${k.file} at byte \\d+: .*checksum`)], 'daemon status names the damaged table');
        const live = await h.run(['db', 'check', '--json']);
        t.equal(live.code, 1, 'db check through the daemon exits 1');
        t.match(json(live), { via: 'daemon' }, live.stdout.slice(0, 2000));
        const found = (json(live) as DbCheckResult).problems;
        if (existsSync(path.join(db, k.file)))
          t.ok(
            found.some((p) => p.kind === 'file' && p.file === k.file),
            `and names ${k.file}`,
          );
        else
          t.ok(
            found.some((p) => p.kind === 'record' || p.kind === 'file'),
            `a compaction rewrote ${k.file}; the damage it carried is found: ${JSON.stringify(found)}`,
          );
        await h.ok(['daemon', 'stop']);
        rmSync(path.join(h.paths.logs, 'daemon.log'));
      } else {
        await refused(t, k.file, damaged);
      }

      const check = await h.run(['db', 'check', '--json']);
      t.equal(check.code, 1, 'db check exits 1');
      const report = json(check) as DbCheckResult;
      t.equal(report.via, 'direct');
      // While the daemon served, a compaction may have rewritten the damaged table (LevelDB does not
      // verify checksums there), carrying the damaged block's bytes into a new table: then what
      // db check finds is records that do not read, no longer the file. Either way it finds it.
      const compacted = k.starts === true && !existsSync(path.join(db, k.file));
      if (compacted)
        t.ok(
          report.problems.some((p) => p.kind === 'record' || p.kind === 'file'),
          `db check finds the damage carried into a new table: ${JSON.stringify(report.problems)}`,
        );
      else
        t.ok(
          report.problems.some((p) => p.kind === 'file' && p.file === k.file),
          `db check names ${k.file}: ${JSON.stringify(report.problems)}`,
        );
      const checked = hashes(db);
      if (!k.starts) t.same(checked, damaged, 'db check changed nothing');

      const repair = await h.run(['db', 'repair', '--json']);
      t.equal(repair.code, 0, `db repair: ${repair.stderr}`);
      const r = json(repair) as DbRepairResult;
      // LevelDB's own repair runs for damaged files; records a compaction carried the damage into are dropped by the rebuild.
      t.equal(r.leveldbRepaired, !compacted, compacted ? 'the damaged records were dropped, no file needed salvaging' : "LevelDB's repair salvaged the files");
      t.equal(r.problemsAfter, 0);
      for (const [file, sum] of Object.entries(checked))
        if (file.endsWith('.ldb') || file === k.file)
          t.equal(
            createHash('sha256')
              .update(readFileSync(path.join(r.backup, file)))
              .digest('hex'),
            sum,
            `the backup holds ${file} as it was`,
          );

      t.equal((await h.run(['db', 'check'])).code, 0, 'db check is clean after the repair');
      t.equal((await h.run(['daemon', 'start'])).code, 0, 'the daemon starts');
      const counts = (await h.json(['ps'])).counts as Record<string, number>;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      t.ok(total >= 320 - k.lose[1]! && total <= 320 - k.lose[0]!, `${320 - total} of 320 tasks lost (expected ${k.lose.join('–')})`);
      await h.ok(['daemon', 'stop']);
    });
  }
});

t.test('damage only the records show, repaired through the running daemon; dump, backup and restore', async (t) => {
  const h = new TestHome(t, { workers: false });
  await h.ok(['daemon', 'start']);
  let c = await h.client();
  const { ids } = await c.call('run.batch', { tasks: Array.from({ length: 200 }, () => ({ type: 'echo_task' })) });
  await h.ok(['daemon', 'stop']);

  const level = new ClassicLevel<string, unknown>(h.paths.db, { valueEncoding: 'json' });
  await level.open();
  await level.put('t!zzzzzzzz', 'not json {', { valueEncoding: 'utf8' });
  await level.del(`s!WAITING!${ids[7]}`);
  await level.put('c!WAITING', 999);
  await level.close();

  t.equal((await h.run(['daemon', 'start'])).code, 0, 'damage in the records does not stop the daemon');
  c = await h.client();
  const check = await h.run(['db', 'check', '--json']);
  t.equal(check.code, 1);
  const report = json(check) as DbCheckResult;
  t.equal(report.via, 'daemon', 'checked through the daemon');
  t.same(report.problems.map((p) => [p.kind, p.key]).sort(), [
    ['counter', 'c!WAITING'],
    ['index', `s!WAITING!${ids[7]}`],
    ['record', 't!zzzzzzzz'],
  ]);
  t.match(readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8'), /ready/);

  const repair = await h.run(['db', 'repair', '--json']);
  t.equal(repair.code, 0, repair.stderr);
  const r = json(repair) as DbRepairResult;
  t.match(r, { via: 'daemon', leveldbRepaired: false, tasks: 200, removedCount: 1, problemsBefore: 3, problemsAfter: 0 });
  t.same(r.removed, [{ key: 't!zzzzzzzz', reason: 'not JSON' }]);
  t.ok(existsSync(r.backup), 'a backup was made first');
  t.equal((await offlineCheck(r.backup)).tasks, 201, 'the backup holds the store as it was, bad record and all');
  const ps = await c.call('ps', { limit: 1 });
  t.equal(ps.counts.WAITING, 200, 'the counters are right again, in the running daemon too');
  t.ok(
    (await c.call('ps', { states: ['WAITING'], limit: 200 })).queued.some((x) => x.id === ids[7]),
    'the lost index key is back',
  );

  // dump: every task as a JSON line, by id range, or every key.
  const dumped = (await h.ok(['db', 'dump']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Task);
  t.same(
    dumped.map((x) => x.id),
    [...ids].sort(),
    'db dump prints every task, in id order',
  );
  const range = (await h.ok(['db', 'dump', '--from', ids[10]!, '--to', ids[19]!]))
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as Task).id);
  t.same(range, ids.slice(10, 20), '--from and --to select an id range');
  const all = (await h.ok(['db', 'dump', '--kind', 'all']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string });
  t.ok(all.some((x) => x.key === 'm!schema') && all.some((x) => x.key === `t!${ids[0]}`), '--kind all prints every key');

  // backup while tasks are being submitted: a consistent store of its own.
  const dest = path.join(h.dir, 'backup-live');
  let stop = false;
  const writer = (async () => {
    while (!stop) await c.call('run', { type: 'echo_task' });
  })();
  const b = json(await h.run(['db', 'backup', dest, '--json']));
  stop = true;
  await writer;
  t.equal(b.path, dest);
  const copy = await offlineCheck(dest);
  t.equal(copy.ok, true, `the copy is consistent: ${JSON.stringify(copy.problems)}`);
  t.equal(copy.tasks, b.tasks, 'and holds what the backup said');
  t.ok(b.tasks >= 200);

  // With no daemon, dump reads the store directly and prints the same.
  const before = await h.ok(['db', 'dump']);
  await h.ok(['daemon', 'stop']);
  t.equal(await h.ok(['db', 'dump']), before, 'db dump without a daemon prints the same');
  t.equal(json(await h.run(['db', 'check', '--json'])).via, 'direct');

  // Restore: the backup in place of the store.
  rmSync(h.paths.db, { recursive: true });
  cpSync(dest, h.paths.db, { recursive: true });
  await h.ok(['daemon', 'start']);
  const restored = (await h.json(['ps'])).counts as Record<string, number>;
  t.equal(
    Object.values(restored).reduce((a, x) => a + x, 0),
    b.tasks,
    'the restored store holds what the backup held',
  );
});

t.test('scheduled backups: taken on the interval, the oldest beyond keep removed, each one whole', async (t) => {
  const h = new TestHome(t, { workers: false, config: '[backup]\ninterval = "1s"\nkeep = 2\n' });
  await h.ok(['daemon', 'start']);
  const c = await h.client();
  await c.call('run.batch', { tasks: Array.from({ length: 10 }, () => ({ type: 'echo_task' })) });
  const dir = path.join(h.dir, 'backups');
  const taken = () => (readFileSync(path.join(h.paths.logs, 'daemon.log'), 'utf8').match(/scheduled backup written/g) ?? []).length;
  await waitFor('three scheduled backups', () => taken() >= 3, 60_000);
  c.close();
  // Stopping finishes a backup being written (and its pruning): what is left is settled.
  await h.ok(['daemon', 'stop']);
  const names = readdirSync(dir);
  const kept = names.filter((d) => d.startsWith('scheduled-')).sort();
  t.ok(kept.length >= 1 && kept.length <= 2, `at most 2 kept: ${kept.join(' ')}`);
  t.same(
    names.filter((d) => d.endsWith('.partial')),
    [],
    'no partial copy left',
  );
  for (const k of kept) t.match(await offlineCheck(path.join(dir, k)), { ok: true, tasks: 10 }, `${k} is a sound store with every task`);
});
