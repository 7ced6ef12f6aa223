// A host gone for good (docs/operations.md, "A host gone for good"): two real daemons on one
// throw-away PostgreSQL, B stopped for good. `hosts ls` on A shows B's lease live, then expired;
// `hosts forget` is refused while B's lease is live, for A itself and for an unknown name (each
// changing nothing); once B is forgotten A's count retention archives B's old finished tasks (the
// archive entry noting the output stayed on B, whose files are not moved), `rm` on A archives
// another, `logs` says OUTPUT_ON_FORGOTTEN_HOST, and B started again under its name refuses to start
// (HOST_FORGOTTEN) writing nothing, and rejoins under a new store.host. On LevelDB: one host.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ArchivedTask, ArchiveList } from '../../src/protocol/archive.js';
import type { HostForgetResult, HostList } from '../../src/protocol/hosts.js';
import type { Task } from '../../src/protocol/model.js';
import { PostgresStore } from '../../src/daemon/store/pg.js';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { draft, T0 } from '../helpers/tasks.js';
import { TestHome, waitFor } from '../helpers/home.js';

const TOKEN = 'a-shared-secret-of-the-test-hosts';

const jsonError = async (h: TestHome, args: string[]) => {
  const r = await h.run([...args, '--json']);
  t.not(r.code, 0, `${args.join(' ')} fails`);
  return JSON.parse(r.stdout).error as { code: string; message: string; hint?: string };
};

t.test('LevelDB: one host, this daemon; nothing to forget', async (t) => {
  const h = new TestHome(t, { workers: 1 });
  const id = await h.submit(['--', 'true']);
  t.equal((await h.run(['wait', id], { timeoutMs: 20_000 })).code, 0);
  const r = await h.json<HostList>(['hosts', 'ls']);
  t.equal(r.store, 'leveldb');
  t.equal(r.hosts.length, 1);
  t.match(r.hosts[0], { self: true, lease: 'live', running: 0, finished: 1 });
  t.match(await h.ok(['hosts', 'ls']), /this daemon/);
  t.equal((await jsonError(h, ['hosts', 'forget', r.hosts[0]!.name])).code, 'HOST_LIVE', 'not itself');
  const unknown = await jsonError(h, ['hosts', 'forget', 'no-such-host']);
  t.equal(unknown.code, 'NOT_FOUND');
  t.match(unknown.hint, /hosts ls/);
  t.equal((await h.task(id)).state, 'SUCCESS');
});

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

function tests(pg: PgServer): void {
  const config = (url: string, name: string, extra = '') => `[store]\nurl = "${url}"\nhost = "${name}"\nlease = "3s"\nlisten = "127.0.0.1:0"\npeer_token = "${TOKEN}"\n${extra}`;
  const worker = (tag: string) => `[worker]\nslots = 1\nextra_tags = ["${tag}"]\n`;

  t.test("store: forget ends the tasks the host still held, in one batch; its name cannot register again; its finished tasks count as every host's", async (t) => {
    const url = await pg.createDb();
    const db = url.slice(url.lastIndexOf('/') + 1);
    const open = async (host: string) => {
      const s = new PostgresStore({ url, resultsRoot: '/tmp/bk-pg-results', random: () => 0.5, host });
      await s.open();
      t.teardown(() => s.close());
      return s;
    };
    const [a, b] = [await open('a'), await open('b')];
    for (const s of [a, b]) t.equal(await s.leases.register(60_000), undefined);
    const [running, claimed, done] = await a.submit([draft(), draft(), draft()], T0);
    const by = { worker: 'local', attempt: 1 };
    for (let i = 0; i < 3; i++) await a.claim({ worker: 'local', tags: ['bash', 'unix'], now: T0 + 1 });
    for (const x of [running!, done!]) await a.apply(x.id, { type: 'start', pid: 4242, pgid: 4242, at: T0 + 2, by });
    await a.apply(done!.id, { type: 'exit', at: T0 + 3, exitCode: 0, signal: null, cause: 'exit', by });

    t.match(await b.forgetHost('a', 'b', T0 + 10), { ok: false, why: 'live' });
    t.match(await b.forgetHost('b', 'b', T0 + 10), { ok: false, why: 'self' });
    t.match(await b.forgetHost('c', 'b', T0 + 10), { ok: false, why: 'unknown', known: ['a', 'b'] });
    t.equal((await b.get(running!.id))!.state, 'RUNNING', 'a refusal changes nothing');
    t.same(
      (await b.oldestFinished(10, undefined, ['b'])).map((x) => x.id),
      [],
      "A's finished task is A's",
    );

    // A's lease runs out before any peer took its tasks over: forget takes them over itself.
    await pg.sql(db, "UPDATE hosts SET lease_until = now() - interval '1 second' WHERE name = 'a'");
    const r = await b.forgetHost('a', 'b', T0 + 10);
    t.match(r, { ok: true, finished: 2 }, 'its finished tasks: the one done, and the one it ended');
    t.same(
      r.ok ? r.changes.map((c) => [c.task.id, c.from, c.task.state]).sort() : [],
      [
        [running!.id, 'RUNNING', 'LOST'],
        [claimed!.id, 'CLAIMED', 'WAITING'],
      ].sort(),
      'the started task ended LOST, the never started one went back to the queue',
    );
    t.same(await b.leases.expired(), [], 'nothing left to take over');
    t.same(await b.forgottenHosts(), ['a']);
    t.same(
      (await b.oldestFinished(10, undefined, ['b', ...(await b.forgottenHosts())])).map((x) => x.id),
      [done!.id, running!.id],
      'now archivable by B',
    );
    t.match(await b.hosts('b'), [
      { name: 'a', lease: 'forgotten', forgottenBy: 'b', finished: 2, running: 0 },
      { name: 'b', lease: 'live', self: true },
    ]);
    t.match(await a.leases.register(60_000), { by: 'b' }, 'A cannot register again under its name');
    t.equal(await a.leases.renew(60_000), false);
    t.same((await pg.sql(db, 'SELECT name FROM hosts ORDER BY name')).rows, [{ name: 'b' }], 'and wrote nothing');
  });

  t.test('B gone for good: hosts ls, forget refused then done, A archives its tasks, logs says forgotten, B cannot come back as B', async (t) => {
    const url = await pg.createDb();
    const db = url.slice(url.lastIndexOf('/') + 1);
    const ha = new TestHome(t, { config: config(url, 'host-a', '[retention]\nfinished = 2\n' + worker('on-a')) });
    const hb = new TestHome(t, { config: config(url, 'host-b', worker('on-b')) });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);

    // Three tasks run on B (oldest first), then one on A: four finished, two over A's count.
    const onB: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await ha.submit(['--tag', 'on-b', '--', 'sh', '-c', `echo b${i}`]);
      t.equal((await ha.run(['wait', id], { timeoutMs: 20_000 })).code, 0);
      onB.push(id);
    }
    const bTasks: Task[] = [];
    for (const id of onB) bTasks.push(await ha.task(id));
    t.same(
      bTasks.map((x) => x.host),
      ['host-b', 'host-b', 'host-b'],
    );
    const a0 = await ha.submit(['--tag', 'on-a', '--', 'sh', '-c', 'echo a0']);
    t.equal((await ha.run(['wait', a0], { timeoutMs: 20_000 })).code, 0);

    const hosts = async () => new Map((await ha.json<HostList>(['hosts', 'ls'])).hosts.map((h) => [h.name, h]));
    const live = await hosts();
    t.match(live.get('host-a'), { self: true, lease: 'live', finished: 1 });
    t.match(live.get('host-b'), { self: false, lease: 'live', running: 0, finished: 3, address: /^127\.0\.0\.1:\d+$/ });
    t.ok(live.get('host-b')!.renewedAt! <= live.get('host-b')!.leaseUntil!, 'its last renewal');

    // Refused while B's lease is live, for A itself, for an unknown name: nothing changes.
    const rowsOf = async () => (await pg.sql(db, 'SELECT name FROM hosts ORDER BY name')).rows.map((r) => r.name);
    const isLive = await jsonError(ha, ['hosts', 'forget', 'host-b']);
    t.equal(isLive.code, 'HOST_LIVE');
    t.match(isLive.hint, /daemon stop/);
    const self = await jsonError(ha, ['hosts', 'forget', 'host-a']);
    t.equal(self.code, 'HOST_LIVE');
    t.match(self.message, /this daemon/);
    const unknown = await jsonError(ha, ['hosts', 'forget', 'host-x']);
    t.equal(unknown.code, 'NOT_FOUND');
    t.match(unknown.hint, /did you mean host-/);
    t.same(await rowsOf(), ['host-a', 'host-b'], 'no lease row changed');
    t.same((await pg.sql(db, 'SELECT name FROM forgotten_hosts')).rows, [], 'nothing forgotten');

    // Before B is forgotten, its output is B's: logs on A reads it from B; rm on A is refused.
    t.equal(await ha.ok(['logs', onB[2]!]), 'b2\n');
    t.equal((await jsonError(ha, ['rm', onB[2]!])).code, 'OUTPUT_ON_OTHER_HOST');

    // B stopped for good (its pid, SIGTERM: it stops its workers); its lease runs out.
    const pid = Number(readFileSync(hb.paths.pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitFor('B exited', () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const expired = await waitFor('B shown expired', async () => ((await hosts()).get('host-b')?.lease === 'expired' ? (await hosts()).get('host-b') : undefined), 30_000);
    t.ok(expired.leaseLeftMs! <= 0);
    t.match(await ha.ok(['hosts', 'ls']), /host-b +expired since /);
    t.equal((await jsonError(ha, ['logs', onB[2]!])).code, 'PEER_UNAVAILABLE', 'B down, not forgotten yet');

    // TAB after `hosts forget` offers B (not A itself), and no longer once it is forgotten.
    const completions = async () => (await ha.run(['__complete', 'hosts', 'forget', ''], { env: { BLANKET_COMPLETE_TIMEOUT: '10000' } })).stdout.split('\n').filter(Boolean);
    t.same(await completions(), ['host-b\texpired, 0 running, 3 finished'], 'completion offers the other host');
    const done = await ha.json<HostForgetResult>(['hosts', 'forget', 'host-b']);
    t.same(await completions(), [], 'nothing left to forget');
    t.match(done, { forgotten: 'host-b', takenOver: [], finished: 3 });
    t.same(await rowsOf(), ['host-a'], "B's lease row is gone");
    t.equal((await hosts()).get('host-b')?.lease, 'forgotten', 'hosts ls lists it as forgotten');
    t.equal((await jsonError(ha, ['hosts', 'forget', 'host-b'])).code, 'NOT_FOUND', 'forgotten already');

    // A's count retention (2 finished) now archives B's two oldest, without moving B's files.
    const archived = async () => new Map((await ha.json<ArchiveList>(['archive', 'ls', '-n', '100'])).entries.map((x) => [x.id, x]));
    await waitFor("A archived B's two oldest", async () => (await archived()).size >= 2, 30_000);
    const inA = await archived();
    t.same([...inA.keys()].sort(), onB.slice(0, 2), "the store's oldest finished, which ran on B");
    for (const id of onB.slice(0, 2)) {
      const entry = await ha.json<ArchivedTask>(['archive', 'show', id]);
      t.match(entry.note, /output stayed on host-b/);
      t.same(entry.files, [], 'no output in the entry');
      t.ok(existsSync(bTasks[onB.indexOf(id)]!.resultDir), "B's result directory was left where it is");
    }
    t.match(await ha.ok(['archive', 'show', onB[0]!]), /note .*forgotten host/);
    const left = (await ha.json<{ finished: Array<{ id: string }> }>(['ps'])).finished.map((x) => x.id).sort();
    t.same(left, [onB[2]!, a0].sort(), 'the store keeps 2 finished');

    // logs of B's task says where its output is; rm on A archives it (its files stay on B).
    const gone = await jsonError(ha, ['logs', onB[2]!]);
    t.equal(gone.code, 'OUTPUT_ON_FORGOTTEN_HOST');
    t.match(gone.message, /host-b/);
    t.equal((await jsonError(ha, ['logs', '-f', onB[2]!])).code, 'OUTPUT_ON_FORGOTTEN_HOST', 'logs -f too');
    t.equal((await ha.run(['rm', onB[2]!])).code, 0, 'rm on A of a forgotten host task');
    t.ok(existsSync(bTasks[2]!.resultDir));
    t.match((await ha.json<ArchivedTask>(['archive', 'show', onB[2]!])).note, /host-b/);

    // B started again under its forgotten name: refused, nothing written; under a new name it rejoins.
    const back = await hb.run(['daemon', 'start']);
    t.not(back.code, 0, 'B refuses to start');
    t.match(back.stderr, /HOST_FORGOTTEN/);
    t.match(back.stderr, /store\.host|\[store\] host/);
    t.same(await rowsOf(), ['host-a'], 'no lease row for B again');
    t.notOk(existsSync(hb.paths.socket), 'no socket left behind');
    writeFileSync(hb.paths.config, config(url, 'host-b2', worker('on-b')));
    await hb.ok(['daemon', 'start']);
    const rejoined = await hosts();
    t.equal(rejoined.get('host-b2')?.lease, 'live');
    t.equal(rejoined.get('host-b')?.lease, 'forgotten');
    const again = await ha.submit(['--tag', 'on-b', '--', 'sh', '-c', 'echo again']);
    t.equal((await ha.run(['wait', again], { timeoutMs: 20_000 })).code, 0);
    t.equal(await ha.ok(['logs', again]), 'again\n', 'B under its new name runs tasks and serves their output');
    for (const h of [ha, hb]) await h.ok(['daemon', 'stop']);
  });
}
