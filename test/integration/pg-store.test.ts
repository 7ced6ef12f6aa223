// What only the PostgreSQL store has: claimers in separate stores (separate pools, as separate
// daemons would be) on one database never take a task twice nor exceed max_concurrent; the
// claim reads one index descent per eligible queue group; db check finds derived columns that
// do not follow the JSON and db repair mends them; db backup is a pg_dump that restores; db
// dump pages; two stores migrating one database at once do not race.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { PostgresStore } from '../../src/daemon/store/pg.js';
import { findPgDump } from '../../src/daemon/store/pg-admin.js';
import { PG_LATEST_SCHEMA } from '../../src/daemon/store/pg-schema.js';
import { PG_MISSING, pgBinDir, startPostgres, type PgServer } from '../helpers/postgres.js';
import { draft, T0 } from '../helpers/tasks.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

const dbOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

function tests(pg: PgServer): void {
  const open = async (t: Test, url: string) => {
    const s = new PostgresStore({ url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5 });
    await s.open();
    t.teardown(() => s.close());
    return s;
  };

  t.test('two stores migrating one new database at once: one schema, no error', async (t) => {
    const url = await pg.createDb();
    const stores = await Promise.all([1, 2, 3].map(() => open(t, url)));
    t.equal(stores.length, 3);
    const rows = (await pg.sql(dbOf(url), 'SELECT version FROM blanket_schema ORDER BY version')).rows.map((r) => r.version);
    t.same(
      rows,
      Array.from({ length: PG_LATEST_SCHEMA }, (_, i) => i + 1),
    );
  });

  t.test('submits at once from separate stores on a new database: every one stored, ids distinct', async (t) => {
    const url = await pg.createDb();
    const stores = [await open(t, url), await open(t, url), await open(t, url)];
    const batches = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.submit([draft(), draft()], T0)));
    const ids = batches.flat().map((x) => x.id);
    t.equal(new Set(ids).size, 24, 'no id given twice');
    const rows = (await pg.sql(dbOf(url), 'SELECT count(*)::int AS n FROM tasks')).rows[0].n;
    t.equal(rows, 24, 'every acknowledged task is stored');
  });

  t.test('claimers on separate stores: each task once, limited types included', async (t) => {
    const url = await pg.createDb();
    const a = await open(t, url);
    const b = await open(t, url);
    const N = 60;
    const tasks = await a.submit(
      Array.from({ length: N }, (_, i) => (i % 3 === 0 ? draft({ type: 'limited', maxConcurrent: 2 }) : draft({ type: `free${i % 2}` }))),
      T0,
    );
    const got: string[] = [];
    // 8 claimers over the two stores; each runs what it took to its end at once.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const store = w % 2 ? a : b;
        while (got.length < N) {
          const c = await store.claim({ worker: `w${w}`, tags: ['bash', 'unix'], now: T0 + 1 });
          if (!c) {
            await new Promise((r) => setImmediate(r));
            continue;
          }
          got.push(c.task.id);
          await store.apply(c.task.id, { type: 'start', pid: 1, pgid: 1, at: T0 + 2 });
          await store.apply(c.task.id, { type: 'exit', at: T0 + 3, exitCode: 0, signal: null, cause: 'exit' });
        }
      }),
    );
    t.equal(got.length, N, 'every task was claimed');
    t.equal(new Set(got).size, N, 'none twice');
    t.same([...got].sort(), tasks.map((x) => x.id).sort());
    const rows = (await pg.sql(dbOf(url), "SELECT count(*)::int AS n FROM tasks WHERE state = 'SUCCESS'")).rows[0].n;
    t.equal(rows, N);
  });

  t.test('max_concurrent across stores, checked in the database', async (t) => {
    const url = await pg.createDb();
    const stores = [await open(t, url), await open(t, url), await open(t, url)];
    await stores[0]!.submit(
      Array.from({ length: 20 }, () => draft({ type: 'limited', maxConcurrent: 2 })),
      T0,
    );
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.claim({ worker: `w${i}`, tags: ['bash', 'unix'], now: T0 + 1 })));
    t.equal(claims.filter(Boolean).length, 2, 'exactly two claims of a type limited to 2, from 12 at once on 3 stores');
    const active = (await pg.sql(dbOf(url), "SELECT count(*)::int AS n FROM tasks WHERE state IN ('CLAIMED', 'RUNNING')")).rows[0].n;
    t.equal(active, 2);
  });

  t.test('a claim reads one index descent per eligible queue group, not the ineligible rows', async (t) => {
    const url = await pg.createDb();
    const s = await open(t, url);
    // 5000 runnable tasks no worker below can take, ahead of one it can.
    for (let i = 0; i < 5; i++)
      await s.submit(
        Array.from({ length: 1000 }, () => draft({ tags: ['gpu'], priority: 5 })),
        T0,
      );
    const [mine] = await s.submit([draft({ tags: ['unix'] })], T0 + 1);
    await pg.sql(dbOf(url), 'ANALYZE tasks');
    const plan = (
      await pg.sql(
        dbOf(url),
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT t.body FROM queue_groups g
         CROSS JOIN LATERAL (SELECT body, priority, id FROM tasks WHERE tasks.grp = g.grp ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED) t
         WHERE g.tags <@ $1::text[] ORDER BY t.priority DESC, t.id`,
        [['bash', 'unix']],
      )
    ).rows[0]['QUERY PLAN'];
    const nodes: Array<Record<string, unknown>> = [];
    const walk = (n: Record<string, unknown>) => {
      nodes.push(n);
      for (const c of (n.Plans as Array<Record<string, unknown>>) ?? []) walk(c);
    };
    walk(plan[0].Plan);
    const taskScans = nodes.filter((n) => n['Relation Name'] === 'tasks');
    t.ok(
      taskScans.every((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'tasks_queue'),
      `tasks are read through the queue index only: ${JSON.stringify(taskScans.map((n) => [n['Node Type'], n['Index Name']]))}`,
    );
    t.ok(
      taskScans.every((n) => Number(n['Actual Loops']) <= 1 && Number(n['Actual Rows']) <= 1),
      'one descent, one row, for the one eligible group',
    );
    t.equal((await s.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 2 }))?.task.id, mine!.id);
  });

  t.test('db check finds derived columns that do not follow the JSON; db repair mends them; backup and dump', async (t) => {
    const url = await pg.createDb();
    const s = await open(t, url);
    const tasks = await s.submit([draft(), draft({ notBefore: T0 + 1000 }), draft({ label: 'x' })], T0);
    t.same((await s.admin.check()).problems, [], 'sound at first');
    await pg.sql(dbOf(url), 'UPDATE tasks SET grp = NULL, state = $2 WHERE id = $1', [tasks[0]!.id, 'SUCCESS']);
    await pg.sql(dbOf(url), 'UPDATE tasks SET not_before = 5 WHERE id = $1', [tasks[1]!.id]);
    await pg.sql(dbOf(url), 'DELETE FROM queue_groups');
    const bad = await s.admin.check();
    t.equal(bad.ok, false);
    t.match(
      bad.problems.map((p) => `${p.kind} ${p.key}: ${p.message}`),
      [new RegExp(`index t!${tasks[0]!.id}: state is SUCCESS, the task says WAITING`), /grp is null/, /not_before is 5/, /group g!.*not registered/],
    );
    t.equal(await s.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 1 }), undefined, 'the damage hides the queue from claims');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-pgbk-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    if (!findPgDump()) t.comment('pg_dump is not installed: repair (which backs up first) is not tried');
    else {
      const r = await s.admin.repair(path.join(dir, 'repair'));
      // two groups: the unlabelled tasks, and the one labelled "x" (groups carry the label, for fair share)
      t.match(r, { problemsAfter: 0, tasks: 3, rebuilt: { indexKeys: 2, groups: 2 } });
      t.ok(r.problemsBefore >= 4);
      t.ok(existsSync(path.join(dir, 'repair', 'blanket.pgdump')), 'a backup was taken first');
      t.same((await s.admin.check()).problems, []);
      t.equal((await s.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 1 }))?.task.id, tasks[0]!.id, 'claims find it again');

      const b = await s.admin.backup(path.join(dir, 'manual'));
      t.match(b, { tasks: 3 });
      // Restore it into a new database: the same tasks.
      const target = await pg.createDb();
      const restore = spawnSync(path.join(pgBinDir() ?? path.dirname(findPgDump()!), 'pg_restore'), ['--no-owner', '-d', target, path.join(dir, 'manual', 'blanket.pgdump')], {
        encoding: 'utf8',
      });
      t.equal(restore.status, 0, restore.stderr);
      const restored = await open(t, target);
      t.same((await restored.get(tasks[2]!.id))?.label, 'x', 'the restored database holds the tasks');
      t.equal(restored.counts().WAITING, 2);
      t.equal(restored.counts().CLAIMED, 1);
    }
    const page1 = await s.admin.dump({ kind: 'task', limit: 2 });
    t.same(
      page1.records.map((x) => (x as { id: string }).id),
      [tasks[0]!.id, tasks[1]!.id],
    );
    t.equal(page1.next, `t!${tasks[1]!.id}`);
    const page2 = await s.admin.dump({ kind: 'task', limit: 2, after: page1.next! });
    t.same(
      page2.records.map((x) => (x as { id: string }).id),
      [tasks[2]!.id],
    );
    t.equal(page2.next, undefined);
    const meta = await s.admin.dump({ kind: 'meta', limit: 100 });
    t.ok(meta.records.some((r) => (r as { key: string }).key === 'm!schema'));
    const index = await s.admin.dump({ kind: 'index', limit: 100 });
    t.same(
      index.records.map((r) => (r as { key: string }).key),
      tasks.map((x) => `x!${x.id}`),
    );
  });
}
