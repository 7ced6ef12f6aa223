// The PostgreSQL store's promises to peer daemons, on stores named as two hosts over one
// throw-away database: a worker's report is fenced by host as well as attempt (worker names
// are per daemon), a silent host's tasks are taken over once, a schedule's fire is written
// once, and the counters stay exact when a re-read overlaps commits.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { PostgresStore } from '../../src/daemon/store/pg.js';
import { findPgDump } from '../../src/daemon/store/pg-admin.js';
import type { PeerChanges } from '../../src/daemon/store/pg-events.js';
import type { ScheduleRecord } from '../../src/protocol/model.js';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { draft, T0, taskIn } from '../helpers/tasks.js';
import { waitFor } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

const dbOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

const record = (patch: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
  name: 'tick',
  cron: '* * * * * *',
  task: { type: 'shell', env: { COMMAND: 'true' } },
  overlap: 'allow',
  catchUp: 'latest',
  catchUpMax: 10,
  source: 'cli',
  paused: false,
  createdAt: T0,
  updatedAt: T0,
  cursor: T0,
  queued: [],
  skipped: 0,
  ...patch,
});

function tests(pg: PgServer): void {
  const open = async (t: Test, url: string, host: string) => {
    const s = new PostgresStore({ url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5, host });
    await s.open();
    t.teardown(() => s.close());
    return s;
  };

  t.test("a report from one daemon's worker for a task another daemon's worker of the same name holds now is refused", async (t) => {
    const url = await pg.createDb();
    const [a, b] = [await open(t, url, 'a'), await open(t, url, 'b')];
    const [task] = await a.submit([draft()], T0);
    await a.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 1 });
    // A's claim goes back to the queue (as a peer's take-over of a never-started claim does), and B's "local" takes it: the same attempt.
    await a.apply(task!.id, { type: 'unclaim', at: T0 + 2, reason: 'taken over' });
    const byB = await b.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 3 });
    t.match(byB?.task, { id: task!.id, attempt: 1, worker: 'local', host: 'b' });
    await t.rejects(
      a.apply(task!.id, { type: 'start', pid: 4242, pgid: 4242, at: T0 + 4, by: { worker: 'local', attempt: 1 } }),
      { message: /the daemon b holds the task now/ },
      "A's report is refused",
    );
    t.equal((await b.get(task!.id))!.state, 'CLAIMED', 'and changed nothing');
    t.match(
      (await b.apply(task!.id, { type: 'start', pid: 4343, pgid: 4343, at: T0 + 5, by: { worker: 'local', attempt: 1 } }))[0]!.task,
      { state: 'RUNNING', pid: 4343 },
      "B's is taken",
    );
    t.same(
      (await a.active('local')).map((x) => x.id),
      [],
      "A's worker holds nothing",
    );
    t.same(
      (await b.active('local')).map((x) => x.id),
      [task!.id],
    );
  });

  t.test('a host whose lease ran out: its tasks are taken over once, by one peer', async (t) => {
    const url = await pg.createDb();
    const [a, b, c] = [await open(t, url, 'a'), await open(t, url, 'b'), await open(t, url, 'c')];
    for (const s of [a, b, c]) await s.leases.register(60_000);
    const tasks = await a.submit([draft({ retries: 1 }), draft()], T0);
    await a.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 1 });
    await a.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 1 });
    await a.apply(tasks[0]!.id, { type: 'start', pid: 4242, pgid: 4242, at: T0 + 2, by: { worker: 'local', attempt: 1 } });
    t.same(await b.leases.expired(), [], 'a lease not run out is left alone');
    await pg.sql(dbOf(url), "UPDATE hosts SET lease_until = now() - interval '1 second' WHERE name = 'a'");
    t.same(await b.leases.expired(), ['a']);
    const [fromB, fromC] = await Promise.all([b.takeOver('a', T0 + 10), c.takeOver('a', T0 + 10)]);
    const changes = [...fromB, ...fromC];
    t.equal(changes.length, 2, 'each task changed once, by one of the two');
    const started = (await b.get(tasks[0]!.id))!;
    t.match(started, { state: 'WAITING', attempt: 2 }, 'the started one ended LOST and is retried');
    t.equal(started.attempts[0]!.outcome, 'LOST');
    t.match(await b.get(tasks[1]!.id), { state: 'WAITING', attempt: 1 }, 'the never started one went back to the queue');
    t.same(await b.leases.expired(), [], 'nothing is left to take over');
    t.equal(await a.leases.renew(60_000), false, 'A finds its lease taken');
    await a.leases.register(60_000);
    t.equal(await a.leases.renew(60_000), true, 'and holds it again once registered');
  });

  t.test('a fire written by two daemons makes one task; the cursor never goes back', async (t) => {
    const url = await pg.createDb();
    const [a, b] = [await open(t, url, 'a'), await open(t, url, 'b')];
    await a.putSchedule(record());
    const fireAt = T0 + 1000;
    const fire = (s: PostgresStore) => s.submit([draft({ schedule: { name: 'tick', fireAt } })], T0 + 1000, { schedules: [record({ cursor: fireAt })] });
    const results = await Promise.allSettled([fire(a), fire(b)]);
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one write of the fire went through');
    t.match(
      results.find((r) => r.status === 'rejected'),
      { reason: { kind: 'stale' } },
    );
    t.same((await a.scheduleTasks('tick', 10)).length, 1, 'one task');
    await b.putSchedule(record({ cursor: T0, skipped: 1 }));
    t.equal((await a.getSchedule('tick'))!.cursor, fireAt, "a daemon's older view does not move the cursor back");
    const queued = fireAt + 1000;
    await a.putSchedule(record({ cursor: queued, queued: [queued] }));
    await t.resolves(
      b.submit([draft({ schedule: { name: 'tick', fireAt: queued } })], T0 + 3000, { schedules: [record({ cursor: queued, queued: [] })] }),
      'a queued fire is still undecided',
    );
  });

  t.test('every write is heard by a peer at its commit, not at a catch-up: submit, claim, rm and archive restore', async (t) => {
    const url = await pg.createDb();
    const [a, b] = [await open(t, url, 'a'), await open(t, url, 'b')];
    const heard: PeerChanges[] = [];
    // No catch-up within the test: only notifications can tell B.
    await b.watch(
      (p) => heard.push(p),
      () => {},
      600_000,
    );
    const states = () => heard.flatMap((p) => p.changes.map((c) => `${c.task.id}:${c.from ?? '-'}>${c.task.state}`));
    const host = async (id: string) => (await pg.sql(dbOf(url), 'SELECT host, changed_host FROM tasks WHERE id = $1', [id])).rows[0];

    const [one, two] = await a.submit([draft(), draft()], T0);
    await waitFor('B hears the submit', () => states().includes(`${two!.id}:->WAITING`), 10_000);
    const claimed = await a.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 1 });
    t.equal(claimed?.task.id, one!.id);
    await waitFor('B hears the claim', () => states().includes(`${one!.id}:WAITING>CLAIMED`), 10_000);
    t.same(await host(one!.id), { host: 'a', changed_host: 'a' }, 'the claim records the daemon that holds it');

    t.same(await a.remove([two!.id]), [two!.id]);
    await waitFor('B hears the rm', () => heard.some((p) => p.removed.includes(two!.id)), 10_000);

    const archived = taskIn('SUCCESS', { id: '1sc46g09', resultDir: '/tmp/bk-pg-results/1sc46g09', host: 'a' });
    t.same(await a.restore([archived]), [archived.id]);
    await waitFor('B hears the restore', () => states().includes(`${archived.id}:->SUCCESS`), 10_000);
    t.same(await host(archived.id), { host: null, changed_host: 'a' }, 'a restored row records who wrote it');
    await waitFor("B's counters follow A's writes", () => b.counts().SUCCESS === 1 && b.counts().CLAIMED === 1 && b.counts().WAITING === 0, 10_000).catch(() => {});
    t.match(b.counts(), { WAITING: 0, CLAIMED: 1, SUCCESS: 1 }, "B's counters follow A's writes");
  });

  t.test(
    "db repair on one daemon: the others' counters follow at their next catch-up",
    { skip: findPgDump() ? false : 'pg_dump is not installed (repair backs up first)' },
    async (t) => {
      const url = await pg.createDb();
      const a = await open(t, url, 'a');
      const [task] = await a.submit([draft()], T0);
      // A row whose state column does not follow its JSON: B, opening now, counts it as SUCCESS.
      await pg.sql(dbOf(url), 'UPDATE tasks SET state = $2 WHERE id = $1', [task!.id, 'SUCCESS']);
      const b = await open(t, url, 'b');
      await b.watch(
        () => {},
        () => {},
        200,
      );
      t.match(b.counts(), { WAITING: 0, SUCCESS: 1 }, 'B counted the damaged row as SUCCESS');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bk-pgrep-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      t.match(await a.admin.repair(path.join(dir, 'repair')), { problemsAfter: 0 });
      t.match(a.counts(), { WAITING: 1, SUCCESS: 0 }, 'A re-read its own');
      await waitFor("B's counters to follow the repair", () => b.counts().WAITING === 1 && b.counts().SUCCESS === 0, 10_000).catch(() => {});
      t.match(b.counts(), { WAITING: 1, SUCCESS: 0 }, "B's counters follow the repair");
    },
  );

  t.test("counters stay exact while a store's re-reads overlap its own and another's commits", async (t) => {
    const url = await pg.createDb();
    const [a, b] = [await open(t, url, 'a'), await open(t, url, 'b')];
    const heard: number[] = [];
    await a.watch(
      (p) => heard.push(p.changes.length),
      () => {},
      100,
    );
    // B commits while A re-reads over and over (as catch-ups and reconnects do).
    let writing = true;
    let rereads = 0;
    const reads = (async () => {
      const reread = a as unknown as { load(): Promise<void> };
      while (writing) {
        await reread.load();
        rereads++;
      }
    })();
    // A and B both commit, from several loops at once.
    await Promise.all(
      [a, b, a, b].map(async (s) => {
        for (let i = 0; i < 5; i++) {
          await s.submit([draft(), draft()], T0 + i);
          await s.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + i });
        }
      }),
    );
    writing = false;
    await reads;
    t.ok(rereads > 5, `A re-read ${rereads} times meanwhile`);
    await waitFor("A's counters to match the rows", () => a.counts().WAITING === 20 && a.counts().CLAIMED === 20, 15_000).catch(() => {});
    t.match(a.counts(), { WAITING: 20, CLAIMED: 20 }, "A's counters match the rows");
    t.ok(heard.length > 0, 'A heard B');
  });
}
