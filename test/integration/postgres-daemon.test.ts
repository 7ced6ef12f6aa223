// A real daemon on a PostgreSQL store (a throw-away server): the CLI works as on LevelDB, a
// restart keeps the queue, bad URLs and a newer schema are refused with a code and a message,
// and PostgreSQL stopping under the daemon makes calls fail with STORE_UNAVAILABLE (no hang),
// after which the daemon serves again with nothing lost; restarted while submits and tasks
// are under way, every acknowledged submit is kept and runs exactly once.
import t from 'tap';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, PASSWORD, PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { TestHome, waitFor, withJson } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

/** The same database as `url`, logged in as the role that needs a password. */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.username = 'pw';
  u.password = password;
  return u.toString();
}

function tests(pg: PgServer): void {
  t.test('run, ps, wait, logs, kill and status through the CLI; a restart keeps the queue', async (t) => {
    const url = withPassword(await pg.createDb(), PASSWORD);
    const h = new TestHome(t, { config: `[store]\nurl = "${url}"\n`, workers: 2 });
    const id = await h.submit(['--', 'sh', '-c', 'echo hello from pg']);
    const waited = await h.run(['wait', id]);
    t.equal(waited.code, 0, waited.stderr);
    t.equal(await h.ok(['logs', id]), 'hello from pg\n');
    const status = await h.json(['daemon', 'status']);
    t.same(status.store, { kind: 'postgresql', location: url.replace(`:${PASSWORD}@`, ':****@') }, 'status names the store, password masked');
    t.notMatch(await h.ok(['daemon', 'status']), PASSWORD, 'the password is not shown');
    t.match(await h.ok(['daemon', 'status']), /^store\s+postgresql postgresql:\/\/pw:\*\*\*\*@127\.0\.0\.1/m);
    t.notOk(existsSync(path.join(h.paths.db, 'CURRENT')), 'no LevelDB store was made');

    const long = await h.submit(['--', 'sleep', '30']);
    await h.waitState(long, ['RUNNING']);
    t.equal((await h.run(['kill', long])).code, 0);
    await h.waitState(long, ['STOPPED']);

    const later = await h.submit(['--in', '1h', '--label', 'kept', '--', 'true']);
    const ps = await h.json(['ps']);
    t.same(
      ps.queued.map((x: { id: string }) => x.id),
      [later],
    );
    t.match(ps.counts, { SUCCESS: 1, STOPPED: 1, WAITING: 1 });

    t.equal((await h.run(['daemon', 'stop'])).code, 0);
    const again = await h.json(['ps']); // starts the daemon again
    t.same(
      again.queued.map((x: { id: string }) => x.id),
      [later],
      'the queue survived the restart',
    );
    t.match(again.counts, { SUCCESS: 1, STOPPED: 1, WAITING: 1 });
    const next = await h.submit(['--', 'true']);
    t.ok(next > later, 'ids keep increasing after a restart');
    t.equal((await h.run(['wait', next])).code, 0);
    const check = await h.json(['db', 'check']);
    t.equal(check.ok, true, JSON.stringify(check.problems));
    t.equal(check.tasks, 4);
    const dump = (await h.ok(['db', 'dump']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    t.same(
      dump.map((x) => x.id),
      [id, long, later, next],
      'db dump lists the tasks, by id',
    );
    const all = (await h.ok(['db', 'dump', '--kind', 'all']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key?: string; id?: string });
    t.ok(
      all.some((x) => x.key === 'm!schema'),
      'and, with --kind all, the meta records',
    );
  });

  t.test('a bad URL, a wrong password, a missing database, a newer schema: refused with a code and a message', async (t) => {
    const h = new TestHome(t, { config: '[store]\nurl = "mysql://localhost/x"\n' });
    const form = await h.run(['daemon', 'start']);
    t.not(form.code, 0);
    t.match(form.stderr, /store\.url: must be a PostgreSQL URL/);
    t.match(form.stderr, /code: CONFIG_INVALID/);
    const envForm = await h.run(['config'], { env: { BLANKET_STORE_URL: 'postgresql://u:topsecret@/' } });
    t.match(envForm.stderr, /environment variable BLANKET_STORE_URL: store\.url: is not a valid URL/);
    t.notMatch(envForm.stderr, 'topsecret', 'the password is masked in the error');

    const start = async (url: string) => {
      const r = await h.run(withJson(['daemon', 'start']), { env: { BLANKET_STORE_URL: url }, timeoutMs: 60_000 });
      t.not(r.code, 0, `daemon start with ${url} fails`);
      return { ...JSON.parse(r.stdout).error, stdout: r.stdout } as { code: string; message: string; hint?: string; stdout: string };
    };
    const wrong = await start(withPassword(await pg.createDb(), 'not-the-password'));
    t.equal(wrong.code, 'STORE_UNAVAILABLE');
    t.match(wrong.message, /cannot log in .*password/);
    t.notMatch(wrong.stdout, 'not-the-password', 'the password is not repeated');

    const missing = await start(pg.url('no_such_db'));
    t.equal(missing.code, 'STORE_UNAVAILABLE');
    t.match(missing.message, /no_such_db.*create it/s);

    const unreachable = await start(`postgresql://postgres@127.0.0.1:${await freePort()}/x`);
    t.equal(unreachable.code, 'STORE_UNAVAILABLE', 'nothing listens there: tried again, then refused');
    t.match(unreachable.message, /is unavailable/);

    const newer = await pg.createDb();
    await pg.sql(
      newer.slice(newer.lastIndexOf('/') + 1),
      "CREATE TABLE blanket_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO blanket_schema VALUES (999, 'from the future')",
    );
    const future = await start(newer);
    t.equal(future.code, 'STORE_CORRUPT');
    t.match(future.message, /newer blanket \(schema 999.*upgrade blanket/);
    t.same((await pg.sql(newer.slice(newer.lastIndexOf('/') + 1), "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'tasks'")).rows[0].n, 0, 'nothing was created in it');
  });

  t.test('PostgreSQL stops under a running daemon: STORE_UNAVAILABLE, then it serves again with nothing lost', async (t) => {
    const url = await pg.createDb();
    const h = new TestHome(t, { config: `[store]\nurl = "${url}"\n`, workers: false });
    const ids = [await h.submit(['--', 'true']), await h.submit(['--', 'true']), await h.submit(['--in', '1h', '--', 'true'])];
    pg.stop();
    let stopped = false;
    t.teardown(() => (stopped ? pg.start() : undefined));
    stopped = true;
    const ps = await h.run(withJson(['ps']), { timeoutMs: 60_000 });
    t.not(ps.code, 0, 'ps fails while PostgreSQL is down');
    t.equal(JSON.parse(ps.stdout).error.code, 'STORE_UNAVAILABLE');
    const run = await h.run(withJson(['run', '--', 'true']), { timeoutMs: 60_000 });
    t.equal(JSON.parse(run.stdout).error.code, 'STORE_UNAVAILABLE', 'a submit is refused, not acknowledged and lost');
    pg.start();
    stopped = false;
    const back = await waitFor(
      'the daemon to serve again',
      async () => {
        const r = await h.run(withJson(['ps']));
        return r.code === 0 ? JSON.parse(r.stdout) : undefined;
      },
      60_000,
    );
    t.same(
      back.queued.map((x: { id: string }) => x.id),
      ids,
      'every task accepted before is there; the refused one is not',
    );
    t.equal(back.counts.WAITING, 3);
    const after = await h.submit(['--', 'true']);
    t.ok(after > ids[2]!, 'and it takes new ones');
  });

  t.test('PostgreSQL restarted while tasks are submitted and run: every acknowledged submit is kept and runs once', async (t) => {
    const url = await pg.createDb();
    const marks = path.join(os.tmpdir(), `bk-marks-${process.pid}-${Date.now()}`);
    t.teardown(() => rmSync(marks, { force: true }));
    const h = new TestHome(t, { config: `[store]\nurl = "${url}"\n`, workers: 2 });
    const acked: string[] = [];
    const refused: string[] = [];
    let going = true;
    const submitter = async () => {
      while (going) {
        const r = await h.run(withJson(['run', '--', 'sh', '-c', `echo "$BLANKET_APP_TASK_ID" >> ${marks}`]), { timeoutMs: 60_000 });
        if (r.code === 0) acked.push((JSON.parse(r.stdout) as { task: { id: string } }).task.id);
        else refused.push(JSON.parse(r.stdout).error.code as string);
      }
    };
    const loops = [submitter(), submitter()];
    await waitFor('a few submits before the restart', () => acked.length >= 5, 60_000);
    pg.stop();
    let stopped = true;
    t.teardown(() => (stopped ? pg.start() : undefined));
    await waitFor('a submit refused while PostgreSQL is down', () => refused.length >= 1, 60_000);
    pg.start();
    stopped = false;
    const before = acked.length;
    await waitFor('submits acknowledged again', () => acked.length >= before + 5, 90_000);
    going = false;
    await Promise.all(loops);
    t.same([...new Set(refused)], ['STORE_UNAVAILABLE'], 'a refusal says the store is unavailable');
    const waited = await h.run(['wait', ...acked], { timeoutMs: 120_000 });
    t.equal(waited.code, 0, `every acknowledged task ended SUCCESS (${acked.length} of them)\n${waited.stdout}${waited.stderr}`);
    const ran = readFileSync(marks, 'utf8').trim().split('\n');
    t.same(
      acked.filter((id) => ran.filter((x) => x === id).length !== 1),
      [],
      'each ran exactly once',
    );
  });
}
