// Two real daemons (separate BLANKET_HOMEs, on loopback) on one throw-away PostgreSQL, driven
// through the real CLI: a transition made on one is seen by `wait` on the other, work submitted
// on one is taken by the other's idle worker, N tasks submitted across both each run exactly
// once, max_concurrent = 2 holds across them, a daemon killed -9 with its workers has its
// running tasks taken over within its lease, and a per-second schedule makes one task per fire.
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../../src/protocol/model.js';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { processesOf, TestHome, waitFor } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else {
  tests(server);
  takeoverNotice(server);
}

const TYPES = {
  limited: 'command = "sleep 0.4"\nmax_concurrent = 2\n',
  mark: 'command = \'echo "$BLANKET_APP_TASK_ID" >> "$MARKS/$N"\'\n[[environment.required]]\nname = "MARKS"\n[[environment.required]]\nname = "N"\n',
};

function tests(pg: PgServer): void {
  /** Two homes on one new database; `lease` short so a killed daemon is noticed soon. */
  async function pair(t: Test, a: { workers: boolean | number }, b: { workers: boolean | number; later?: boolean }) {
    const url = await pg.createDb();
    const config = (name: string) => `[store]\nurl = "${url}"\nhost = "${name}"\nlease = "3s"\n`;
    const ha = new TestHome(t, { config: config('host-a'), workers: a.workers, types: TYPES });
    const hb = new TestHome(t, { config: config('host-b'), workers: b.workers, types: TYPES });
    await ha.ok(['daemon', 'start']);
    if (!b.later) await hb.ok(['daemon', 'start']);
    return { ha, hb, url, db: url.slice(url.lastIndexOf('/') + 1) };
  }

  t.test('a transition made on one daemon is seen on the other; work submitted on one is run by the other', async (t) => {
    const { ha, hb } = await pair(t, { workers: false }, { workers: 2 });
    t.equal((await ha.json(['daemon', 'status'])).host, 'host-a', 'daemon status names this daemon among its peers');
    t.match(await hb.ok(['daemon', 'status']), /^host +host-b$/m);
    // Submitted on A (no workers): B's idle worker hears of it and takes it; `wait` on A sees it end.
    const id = await ha.submit(['--', 'sh', '-c', 'echo from b']);
    const waited = await ha.run(['wait', id], { timeoutMs: 20_000 });
    t.equal(waited.code, 0, `wait on A returns when B ran the task: ${waited.stderr}`);
    const task = await ha.task(id);
    t.equal(task.state, 'SUCCESS');
    t.equal(task.host, 'host-b', 'the task records the daemon that ran it');
    // Its output is on B: A says so, with a code.
    const logs = await ha.run(['logs', id, '--json']);
    t.not(logs.code, 0);
    t.match(JSON.parse(logs.stdout).error, { code: 'OUTPUT_ON_OTHER_HOST', host: 'host-b' });
    t.equal(await hb.ok(['logs', id]), 'from b\n', 'B serves it');
    // Submitted on B, waited on A.
    const second = await hb.submit(['--', 'true']);
    t.equal((await ha.run(['wait', second], { timeoutMs: 20_000 })).code, 0);
    // A's counts follow B's transitions.
    await waitFor('A counts both successes', async () => (await ha.json(['ps'])).counts.SUCCESS === 2, 10_000);
    // A kill given on A reaches the task where it runs (B).
    const long = await ha.submit(['--', 'sleep', '60']);
    await ha.waitState(long, ['RUNNING'], 20_000);
    t.equal((await ha.run(['kill', long])).code, 0);
    t.equal((await ha.waitState(long, ['STOPPED'], 20_000)).state, 'STOPPED');
  });

  t.test('tasks submitted across both daemons each run exactly once; max_concurrent = 2 holds across them', async (t) => {
    const { ha, hb } = await pair(t, { workers: 3 }, { workers: 3 });
    const marks = mkdtempSync(path.join(os.tmpdir(), 'bk-marks-'));
    t.teardown(() => rmSync(marks, { recursive: true, force: true }));
    const N = 200;
    const ca = await ha.client();
    const cb = await hb.client();
    const batch = (from: number) => Array.from({ length: N / 4 }, (_, i) => ({ type: 'mark', env: { MARKS: marks, N: String(from + i) } }));
    // Four batches, two on each daemon, at once.
    const submitted = await Promise.all([
      ca.call('run.batch', { tasks: batch(0) }),
      cb.call('run.batch', { tasks: batch(N / 4) }),
      ca.call('run.batch', { tasks: batch(N / 2) }),
      cb.call('run.batch', { tasks: batch((3 * N) / 4) }),
    ]);
    const ids = submitted.flatMap((r) => r.ids);
    t.equal(new Set(ids).size, N);
    const limited = [
      ...(await ca.call('run.batch', { tasks: Array.from({ length: 4 }, () => ({ type: 'limited' })) })).ids,
      ...(await cb.call('run.batch', { tasks: Array.from({ length: 4 }, () => ({ type: 'limited' })) })).ids,
    ];
    t.equal((await ha.run(['wait', ...ids, ...limited], { timeoutMs: 120_000 })).code, 0, 'every task ended SUCCESS (wait on A)');
    const files = readdirSync(marks);
    t.equal(files.length, N, 'every task ran');
    const twice = files.filter((f) => readFileSync(path.join(marks, f), 'utf8').trim().split('\n').length !== 1);
    t.same(twice, [], 'none ran twice');
    const tasks: Task[] = await Promise.all(ids.map((id) => ha.task(id)));
    t.ok(
      tasks.every((x) => x.attempt === 1 && x.state === 'SUCCESS'),
      'each in one attempt',
    );
    t.ok(tasks.some((x) => x.host === 'host-a') && tasks.some((x) => x.host === 'host-b'), 'both daemons ran some');
    const runs = (await Promise.all(limited.map((id) => hb.task(id)))).map((x) => [x.startedAt!, x.endedAt!] as const);
    const most = Math.max(...runs.map(([s]) => runs.filter(([s2, e2]) => s2 <= s && s < e2).length));
    t.ok(most <= 2, `at most 2 limited tasks ran at once across both daemons (saw ${most})`);
    t.same(new Set((await Promise.all(limited.map((id) => ha.task(id)))).map((x) => x.state)), new Set(['SUCCESS']));
    await waitFor('B counts every success', async () => (await hb.json(['ps'])).counts.SUCCESS === N + 8, 15_000);
  });

  t.test('a daemon killed -9 with its workers: its running tasks are taken over by the other within its lease', async (t) => {
    const { ha, hb, db } = await pair(t, { workers: 2 }, { workers: 2, later: true });
    // Attempt 1 hangs (on A); attempt 2 (on B, after A is gone) succeeds.
    const cmd = ['--retries', '1', '--', 'sh', '-c', 'test "$BLANKET_APP_ATTEMPT" = 1 && sleep 600; echo attempt $BLANKET_APP_ATTEMPT'];
    const ids = [await ha.submit(cmd), await ha.submit(cmd)];
    for (const id of ids) await ha.waitState(id, ['RUNNING'], 20_000);
    // B starts with a worker of the same name ("local"): its registration must not take A's tasks for its own.
    await hb.ok(['daemon', 'start']);
    await waitFor(
      "B's worker registered",
      async () => (await hb.json(['worker', 'ls'])).workers.some((w: { id: string; state: string }) => w.id === 'local' && w.state === 'running'),
      20_000,
    );
    for (const id of ids) t.match(await hb.task(id), { state: 'RUNNING', attempt: 1, host: 'host-a' }, 'A still runs it after B started');
    const killedAt = Date.now();
    for (const pid of processesOf(ha.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    t.equal((await hb.run(['wait', ...ids], { timeoutMs: 60_000 })).code, 0, 'both succeeded on their second attempt');
    const took = Date.now() - killedAt;
    t.ok(took < 3_000 + 15_000, `taken over within lease + 15 s (${took} ms)`);
    for (const id of ids) {
      const x = await hb.task(id);
      t.equal(x.attempt, 2);
      t.equal(x.attempts[0]!.outcome, 'LOST', 'attempt 1 ended LOST');
      t.equal(x.host, 'host-b');
    }
    const hosts = (await pg.sql(db, 'SELECT name, gone FROM hosts ORDER BY name')).rows;
    t.same(hosts, [
      { name: 'host-a', gone: true },
      { name: 'host-b', gone: false },
    ]);
  });

  t.test('a per-second schedule whose ticking daemon is killed -9: the other goes on, one task per fire, no fire missed', async (t) => {
    const { ha, hb, db } = await pair(t, { workers: 2 }, { workers: 2 });
    // allow: a fire never finds the last run still going (that would skip it), so every second must have its task.
    await ha.ok(['schedule', 'add', 'tick', '--cron', '* * * * * *', '--overlap', 'allow', '--', 'true']);
    const fires = async () => (await pg.sql(db, "SELECT count(*)::int AS n FROM tasks WHERE schedule = 'tick'")).rows[0].n as number;
    await waitFor(
      'B to know the schedule added on A',
      async () => ((await hb.json(['schedule', 'ls'])).schedules as Array<{ name: string }>).some((s) => s.name === 'tick'),
      15_000,
    );
    await waitFor('three fires', async () => (await fires()) >= 3, 30_000);
    for (const pid of processesOf(ha.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const atKill = await fires();
    await waitFor('six more fires, from B alone', async () => (await fires()) >= atKill + 6, 30_000);
    await hb.ok(['schedule', 'pause', 'tick']);
    const rows = (await pg.sql(db, "SELECT (body->'schedule'->>'fireAt')::bigint AS f, count(*)::int AS n FROM tasks WHERE schedule = 'tick' GROUP BY 1 ORDER BY 1"))
      .rows as Array<{ f: string; n: number }>;
    t.same(
      rows.filter((r) => r.n !== 1),
      [],
      `one task per fire (${rows.length} fires)`,
    );
    const seconds = rows.map((r) => Number(r.f) / 1000);
    t.same(
      seconds.filter((s, i) => i > 0 && s !== seconds[i - 1]! + 1),
      [],
      `no second without its fire from the first to the last (${seconds.length} s)`,
    );
  });

  t.test('a schedule firing every second on two daemons makes one task per fire', async (t) => {
    const { ha, hb, db } = await pair(t, { workers: 2 }, { workers: 2 });
    await ha.ok(['schedule', 'add', 'tick', '--cron', '* * * * * *', '--', 'true']);
    // B reads the schedules again at each lease renewal (every second with a 3 s lease): both tick it.
    const onB = async () => ((await hb.json(['schedule', 'ls'])).schedules as Array<{ name: string; paused: boolean }>).find((s) => s.name === 'tick');
    await waitFor('B to know the schedule added on A', onB, 15_000);
    await waitFor('six fires', async () => (await pg.sql(db, "SELECT count(*)::int AS n FROM tasks WHERE schedule = 'tick'")).rows[0].n >= 6, 30_000);
    await ha.ok(['schedule', 'pause', 'tick']);
    await waitFor('B to see it paused', async () => (await onB())?.paused === true, 15_000);
    const rows = (await pg.sql(db, "SELECT (body->'schedule'->>'fireAt')::bigint AS f, count(*)::int AS n FROM tasks WHERE schedule = 'tick' GROUP BY 1 ORDER BY 1"))
      .rows as Array<{ f: string; n: number }>;
    t.same(
      rows.filter((r) => r.n !== 1),
      [],
      `one task per fire (${rows.length} fires)`,
    );
  });
}

function takeoverNotice(server: PgServer): void {
  t.test('a task a peer took over is stopped on its old host even when that host holds its lease again', async (t) => {
    const url = await server.createDb();
    const db = url.slice(url.lastIndexOf('/') + 1);
    // B renews every 20 s (lease 60 s): only the takeover notice can stop its process in time.
    const ha = new TestHome(t, { config: `[store]\nurl = "${url}"\nhost = "host-a"\nlease = "3s"\n`, workers: 1 });
    const hb = new TestHome(t, { config: `[store]\nurl = "${url}"\nhost = "host-b"\nlease = "60s"\n`, workers: 1 });
    await hb.ok(['daemon', 'start']);
    const id = await hb.submit(['--retries', '1', '--', 'sh', '-c', 'test "$BLANKET_APP_ATTEMPT" = 1 && exec sleep 600; echo again']);
    const running = await hb.waitState(id, ['RUNNING'], 20_000);
    await ha.ok(['daemon', 'start']);
    // B's lease made to run out now; A takes its task over. Then B's row is live again, as when B
    // re-registers (a restart) while the takeover commits: B's renewals go on succeeding.
    await server.sql(db, "UPDATE hosts SET lease_until = clock_timestamp() - interval '1 second' WHERE name = 'host-b'");
    await waitFor('A to take the task over', async () => (await ha.task(id)).attempts[0]?.outcome === 'LOST', 20_000);
    await server.sql(db, "UPDATE hosts SET gone = false, lease_until = clock_timestamp() + interval '1 hour' WHERE name = 'host-b'");
    await waitFor(`B's process ${running.pid} of the taken-over attempt to be stopped`, () => !alive(running.pid!), 10_000);
    t.equal((await ha.run(['wait', id], { timeoutMs: 30_000 })).code, 0, 'the retry ran');
    const log = readFileSync(path.join(hb.paths.logs, 'daemon.log'), 'utf8');
    t.match(log, /stopped a task this daemon no longer holds/, "B's log says so");
  });
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
