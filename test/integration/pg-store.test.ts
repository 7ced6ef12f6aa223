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
import pgLib from 'pg';
import { PostgresStore } from '../../src/daemon/store/pg.js';
import { findPgDump } from '../../src/daemon/store/pg-admin.js';
import { PG_LATEST_SCHEMA, PG_MIGRATIONS, ROW_COLUMNS, rowOf } from '../../src/daemon/store/pg-schema.js';
import { groupOf } from '../../src/daemon/store/keys.js';
import { PG_MISSING, pgBinDir, startPostgres, type PgServer } from '../helpers/postgres.js';
import { baseTask, draft, T0, taskIn } from '../helpers/tasks.js';
import { waitFor } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

const dbOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/**
 * The plans PostgreSQL ran for the statements inside `call` (a PL/pgSQL function's, from the plan
 * it keeps for the connection), through auto_explain, at the last of `times` calls on one connection.
 */
async function nestedPlans(url: string, call: string, values: unknown[], times: number, mode: 'auto' | 'force_generic_plan'): Promise<Array<Record<string, unknown>>> {
  const c = new pgLib.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET plan_cache_mode = ${mode}`);
    for (let i = 1; i < times; i++) await c.query(call, values);
    const logged: string[] = [];
    c.on('notice', (n) => logged.push(n.message ?? ''));
    await c.query("LOAD 'auto_explain'");
    await c.query('SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_analyze = on');
    await c.query("SET auto_explain.log_format = json; SET client_min_messages = 'log'");
    await c.query(call, values);
    await c.query('SET client_min_messages = notice');
    return logged.filter((m) => m.includes('plan:')).map((m) => JSON.parse(m.slice(m.indexOf('{'))) as Record<string, unknown>);
  } finally {
    await c.end();
  }
}

/** Every node of a plan that reads the tasks table. */
function taskScansOf(plan: Record<string, unknown>): Array<Record<string, unknown>> {
  const scans: Array<Record<string, unknown>> = [];
  const walk = (n: Record<string, unknown>) => {
    if (n['Relation Name'] === 'tasks') scans.push(n);
    for (const c of (n.Plans as Array<Record<string, unknown>>) ?? []) walk(c);
  };
  walk(plan.Plan as Record<string, unknown>);
  return scans;
}

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

  t.test("a database at schema 2 (main's: rate windows, labelled groups) migrates to 3 (peers) with its rows kept", async (t) => {
    const url = await pg.createDb();
    const db = dbOf(url);
    // Schema 2 as a blanket of that version left it: migrations 1 and 2 only, then its rows.
    await pg.sql(db, 'CREATE TABLE blanket_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.filter((m) => m.version <= 2)) {
      await pg.sql(db, m.sql);
      await pg.sql(db, 'INSERT INTO blanket_schema (version, description) VALUES ($1, $2)', [m.version, m.description]);
    }
    const queued = baseTask({ id: '1sc46g01', label: 'nightly', resultDir: '/tmp/bk-pg-results/1sc46g01' });
    const done = taskIn('SUCCESS', { id: '1sc46g02', type: 'other', resultDir: '/tmp/bk-pg-results/1sc46g02' });
    const v2Columns = ROW_COLUMNS.filter((c) => c !== 'host');
    t.equal(v2Columns.length, ROW_COLUMNS.length - 1, 'schema 3 adds the host column');
    for (const task of [queued, done]) {
      const row = rowOf(task).filter((_, i) => ROW_COLUMNS[i] !== 'host');
      await pg.sql(db, `INSERT INTO tasks (${v2Columns.join(', ')}) VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
    }
    await pg.sql(db, "INSERT INTO queue_groups (grp, tags, type) VALUES ($1, $2, 'echo_task')", [groupOf(queued), queued.tags]);
    await pg.sql(db, "INSERT INTO rate_windows (type, starts) VALUES ('echo_task', $1)", [JSON.stringify([T0 - 5])]);
    await pg.sql(db, "UPDATE blanket_meta SET value = $1 WHERE key = 'last_id'", [JSON.stringify(done.id)]);

    const s = new PostgresStore({ url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5, host: 'h1' });
    await s.open();
    t.teardown(() => s.close());
    t.same(
      (await pg.sql(db, 'SELECT version FROM blanket_schema ORDER BY version')).rows.map((r) => r.version),
      Array.from({ length: PG_LATEST_SCHEMA }, (_, i) => i + 1),
    );
    t.same(await s.get(queued.id), queued, 'the queued task is kept as it was');
    t.same(await s.get(done.id), done, 'the finished task is kept as it was');
    t.same((await pg.sql(db, "SELECT starts FROM rate_windows WHERE type = 'echo_task'")).rows[0].starts, [T0 - 5], 'the rate window is kept');
    t.equal(s.counts().WAITING, 1);
    t.equal(s.counts().SUCCESS, 1);
    t.same(s.runnableTagSets(), [{ tags: queued.tags, type: 'echo_task', label: 'nightly' }], 'the labelled queue group is kept');
    const check = await s.admin.check();
    t.same(check.problems, [], 'db check finds every derived column (host included) right');
    // The migrated rows work as new ones: claimed by a worker of this daemon, which is recorded as their host.
    const claimed = await s.claim({ worker: 'w1', tags: ['bash', 'unix'], now: T0 + 10 });
    t.equal(claimed?.task.id, queued.id);
    t.equal(claimed?.task.host, 'h1');
    t.same((await pg.sql(db, 'SELECT host, changed_host FROM tasks WHERE id = $1', [queued.id])).rows[0], { host: 'h1', changed_host: 'h1' });
    t.same(
      (await s.active()).map((x) => x.id),
      [queued.id],
      "this daemon's active tasks",
    );
    const next = await s.submit([draft()], T0 + 20);
    t.ok(next[0]!.id > done.id, 'ids go on after the kept last id');
  });

  t.test('a database at schema 7 migrates to 8 (the write, lock and queue-head functions); its tasks are claimed, started and ended', async (t) => {
    const url = await pg.createDb();
    const db = dbOf(url);
    await pg.sql(db, 'CREATE TABLE blanket_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.filter((m) => m.version <= 7)) {
      await pg.sql(db, m.sql);
      await pg.sql(db, 'INSERT INTO blanket_schema (version, description) VALUES ($1, $2)', [m.version, m.description]);
    }
    const queued = baseTask({ id: '1sc46g01', resultDir: '/tmp/bk-pg-results/1sc46g01' });
    const after = baseTask({ id: '1sc46g02', after: [queued.id], waitingOn: [queued.id], resultDir: '/tmp/bk-pg-results/1sc46g02' });
    for (const task of [queued, after]) {
      const row = rowOf(task);
      await pg.sql(db, `INSERT INTO tasks (${ROW_COLUMNS.join(', ')}) VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
    }
    await pg.sql(db, "INSERT INTO queue_groups (grp, tags, type) VALUES ($1, $2, 'echo_task')", [groupOf(queued), queued.tags]);
    await pg.sql(db, "UPDATE blanket_meta SET value = $1 WHERE key = 'last_id'", [JSON.stringify(after.id)]);
    const s = await open(t, url);
    t.same(
      (await pg.sql(db, 'SELECT version FROM blanket_schema ORDER BY version')).rows.map((r) => r.version),
      Array.from({ length: PG_LATEST_SCHEMA }, (_, i) => i + 1),
    );
    t.equal((await s.claim({ worker: 'w', tags: queued.tags, now: T0 + 1 }))?.task.id, queued.id, 'the task from before is claimed');
    await s.apply(queued.id, { type: 'start', pid: 1, pgid: 1, at: T0 + 2 });
    t.same((await s.admin.check()).problems, [], 'db check finds every derived column of the rows the function wrote right');
    // A time with a fraction (the row's column is bigint, rounded as an UPDATE assigns it; the JSON keeps it).
    await s.apply(queued.id, { type: 'exit', at: T0 + 3.5, exitCode: 0, signal: null, cause: 'exit' });
    t.equal((await s.get(queued.id))?.state, 'SUCCESS');
    t.equal((await s.get(queued.id))?.endedAt, T0 + 3.5);
    t.same((await s.get(after.id))?.waitingOn, [], 'its dependent from before is released');
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

  t.test('a claim reads its queue index even when one group holds most rows and others are ahead in run order', async (t) => {
    const url = await pg.createDb();
    const s = await open(t, url);
    const [ahead] = await s.submit([draft({ tags: ['gpu'], priority: 5 })], T0);
    const [mine] = await s.submit([draft({ tags: ['unix'] })], T0);
    // Copies in SQL (ids after the original's): 2000 ineligible ahead, 40000 eligible (the proportions
    // at which bench/pg-claim.mjs's database took the run-order index before migration 6).
    for (const [id, n] of [
      [ahead!.id, 2000],
      [mine!.id, 40_000],
    ] as const)
      await pg.sql(
        dbOf(url),
        `INSERT INTO tasks (${ROW_COLUMNS.join(', ')})
         SELECT t.id || lpad(i::text, 6, '0'), jsonb_set(t.body, '{id}', to_jsonb(t.id || lpad(i::text, 6, '0'))), ${ROW_COLUMNS.slice(2)
           .map((c) => `t.${c}`)
           .join(', ')}
         FROM tasks t, generate_series(1, $2::int) i WHERE t.id = $1`,
        [id, n],
      );
    await pg.sql(dbOf(url), 'VACUUM ANALYZE tasks');
    const plan = (
      await pg.sql(
        dbOf(url),
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT t.body FROM queue_groups g
         CROSS JOIN LATERAL (SELECT body, priority, id FROM tasks WHERE tasks.grp = g.grp ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED) t
         WHERE g.tags <@ $1::text[]`,
        [['bash', 'unix']],
      )
    ).rows[0]['QUERY PLAN'];
    const scans: Array<Record<string, unknown>> = [];
    const walk = (n: Record<string, unknown>) => {
      if (n['Relation Name'] === 'tasks') scans.push(n);
      for (const c of (n.Plans as Array<Record<string, unknown>>) ?? []) walk(c);
    };
    walk(plan[0].Plan);
    t.same(
      scans.map((n) => [n['Node Type'], n['Index Name'], n['Rows Removed by Filter'] ?? 0]),
      [['Index Scan', 'tasks_queue', 0]],
      'one descent of the queue index, no ineligible row read',
    );
    // What a claim runs: blanket_queue_heads, whose plan PostgreSQL keeps for the connection (after
    // five calls it may be the generic plan, made without the tags): the same reads, in either plan.
    for (const mode of ['auto', 'force_generic_plan'] as const) {
      const plans = await nestedPlans(url, 'SELECT * FROM blanket_queue_heads($1)', [['bash', 'unix']], 8, mode);
      const inner = plans.filter((p) => String(p['Query Text']).includes('queue_groups'));
      t.equal(inner.length, 1, `${mode}: the heads statement inside the function is explained`);
      t.same(
        taskScansOf(inner[0] ?? { Plan: {} }).map((n) => [n['Node Type'], n['Index Name'], n['Rows Removed by Filter'] ?? 0, n['Actual Rows']]),
        [['Index Scan', 'tasks_queue', 0, 1]],
        `${mode}: the function's kept plan reads one row of the queue index, no ineligible row`,
      );
    }
    t.equal((await s.claim({ worker: 'w', tags: ['bash', 'unix'], now: T0 + 2 }))?.task.id, mine!.id);
  });

  t.test('claim, start and exit are two round trips each, with the groups, dependents and notifications kept', async (t) => {
    const url = await pg.createDb();
    const s = new PostgresStore({ url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5, host: 'h1' });
    await s.open();
    t.teardown(() => s.close());
    const [first, second] = await s.submit([draft(), draft()], T0);
    const [dep] = await s.submit([draft({ tags: ['unix'], after: [first!.id] })], T0);
    const sent = recordQueries(t);
    // The group list is read again, after the commit, only when a transaction changed it.
    const trips = async (what: string, f: () => Promise<unknown>, groupsChanged: boolean): Promise<void> => {
      sent.length = 0;
      await f();
      t.equal(sent.filter((q) => !q.startsWith('SELECT grp FROM queue_groups')).length, 2, `${what}: two round trips (${JSON.stringify(sent.map((q) => q.slice(0, 40)))})`);
      t.equal(sent.length, groupsChanged ? 3 : 2, `${what}: the group list read again only if it changed`);
    };
    const group = (tags: string) => s.runnableTagSets().some((g) => g.tags.join(',') === tags);
    const channel = new pgLib.Client({ connectionString: url });
    await channel.connect();
    t.teardown(() => channel.end());
    const heard: string[] = [];
    channel.on('notification', (n) => heard.push(n.payload ?? ''));
    await channel.query('LISTEN blanket');

    let claimed: string | undefined;
    await trips('a claim leaving its group a task', async () => (claimed = (await s.claim({ worker: 'w1', tags: ['bash', 'unix'], now: T0 + 1 }))?.task.id), false);
    t.equal(claimed, first!.id);
    await trips('a start', () => s.apply(first!.id, { type: 'start', pid: 1, pgid: 1, at: T0 + 2 }), false);
    await trips('an exit releasing a dependent into a new group', () => s.apply(first!.id, { type: 'exit', at: T0 + 3, exitCode: 0, signal: null, cause: 'exit' }), true);
    t.same((await s.get(dep!.id))?.waitingOn, [], 'the dependent is released');
    t.ok(group('unix'), "the dependent's group is registered and mirrored");
    t.ok(group('bash,unix'));
    let next: string | undefined;
    await trips('a claim emptying its group', async () => (next = (await s.claim({ worker: 'w2', tags: ['bash', 'unix'], now: T0 + 4 }))?.task.id), true);
    t.equal(next, second!.id, 'the oldest runnable first');
    t.notOk(group('bash,unix'), 'the emptied group is dropped and no longer mirrored');
    t.ok(group('unix'));
    await waitFor('the four transactions to notify', () => heard.length >= 4);
    const last = JSON.parse(heard[heard.length - 1]!) as { h: string; x: string; n: unknown[] };
    t.equal(last.h, 'h1');
    t.match(last.x, /^\d+$/, 'the notification carries the transaction id');
  });

  t.test('claim, start and exit send no statement PostgreSQL parses and plans over tasks at each call', async (t) => {
    // The task's lock (with its waiting dependents), the queue heads and the write are PL/pgSQL
    // functions (migration 8): their statements are planned once per connection; each call sent
    // is a function call, not a statement over tasks (whose planning looks up every index of it).
    const url = await pg.createDb();
    const s = await open(t, url);
    const [first] = await s.submit([draft()], T0);
    const [dep] = await s.submit([draft({ after: [first!.id] })], T0);
    const sent = recordQueries(t);
    t.equal((await s.claim({ worker: 'w1', tags: ['bash', 'unix'], now: T0 + 1 }))?.task.id, first!.id);
    await s.apply(first!.id, { type: 'start', pid: 1, pgid: 1, at: T0 + 2 });
    await s.apply(first!.id, { type: 'exit', at: T0 + 3, exitCode: 0, signal: null, cause: 'exit' });
    t.equal((await s.claim({ worker: 'w1', tags: ['bash', 'unix'], now: T0 + 4 }))?.task.id, dep!.id, 'the exit released its dependent (read by the lock function), claimed next');
    const overTasks = sent.filter((q) => /\b(FROM|UPDATE|INTO|JOIN)\s+tasks\b/i.test(q));
    t.same(overTasks, [], 'no statement over tasks sent by claim, start or exit');
    t.ok(
      ['blanket_queue_heads(', 'blanket_lock_task(', 'blanket_put_task('].every((f) => sent.some((q) => q.includes(f))),
      'the heads, the lock and the write are function calls',
    );
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

/** Every query text any pg client of this process sends from now on (one query, one round trip), until the test ends. */
function recordQueries(t: { teardown(fn: () => void): void }): string[] {
  const sent: string[] = [];
  const query = pgLib.Client.prototype.query;
  pgLib.Client.prototype.query = function (this: pgLib.Client, ...args: unknown[]) {
    if (typeof args[0] === 'string') sent.push(args[0]);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as never;
  t.teardown(() => {
    pgLib.Client.prototype.query = query;
  });
  return sent;
}
