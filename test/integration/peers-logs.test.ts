// Output across hosts: two real daemons (separate BLANKET_HOMEs, on loopback) on one throw-away
// PostgreSQL, sharing store.peer_token. A task that runs on B: `logs` on A shows its output byte
// for byte (served by B over TLS, its certificate pinned from B's hosts row); `logs -f` on A
// follows it running to its end; B stopped → PEER_UNAVAILABLE naming it; a daemon with another
// token → PEER_REFUSED, logged on B. `rm` on A of B's task is refused; retention on both daemons
// archives each task on the host that ran it, with its output.
import t, { type Test } from 'tap';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { once } from 'node:events';
import path from 'node:path';
import tls from 'node:tls';
import { Client } from '../../src/client/client.js';
import type { ArchivedTask, ArchiveList } from '../../src/protocol/archive.js';
import { lastLogLines } from '../../src/os/logfiles.js';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { TestHome, waitFor } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

const TOKEN = 'a-shared-secret-of-the-test-hosts';

function tests(pg: PgServer): void {
  const config = (url: string, name: string, token = TOKEN, extra = '') => `[store]\nurl = "${url}"\nhost = "${name}"\nlisten = "127.0.0.1:0"\npeer_token = "${token}"\n${extra}`;

  async function pair(t: Test) {
    const url = await pg.createDb();
    const ha = new TestHome(t, { config: config(url, 'host-a'), workers: false });
    // B keeps the secret in a file of its own (store.peer_token_file), A in config.toml: the same secret.
    const tokenFile = path.join(os.tmpdir(), `bk-token-${process.pid}-${Date.now()}`);
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    t.teardown(() => rmSync(tokenFile, { force: true }));
    const hb = new TestHome(t, { config: config(url, 'host-b').replace(`peer_token = "${TOKEN}"`, `peer_token_file = "${tokenFile}"`), workers: 2 });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    return { ha, hb, url, db: url.slice(url.lastIndexOf('/') + 1) };
  }

  const jsonError = async (h: TestHome, args: string[]) => {
    const r = await h.run([...args, '--json']);
    t.not(r.code, 0, `${args.join(' ')} fails`);
    return JSON.parse(r.stdout).error as { code: string; message: string; hint?: string; host?: string };
  };

  t.test('logs and logs -f on A of a task that ran on B; B stopped; a wrong token', async (t) => {
    const { ha, hb, url, db } = await pair(t);
    const row = (await pg.sql(db, "SELECT address, fingerprint FROM hosts WHERE name = 'host-b'")).rows[0];
    t.match(row.address, /^127\.0\.0\.1:\d+$/, "B's hosts row has the address it serves output on");
    t.match(row.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, "and its certificate's SHA-256 fingerprint");
    t.equal(statSync(path.join(hb.dir, 'peer', 'key.pem')).mode & 0o777, 0o600, "B's TLS key is private");

    // Finished on B: `logs` on A, byte for byte (multi-byte characters, no final newline, stderr too).
    const id = await ha.submit(['--', 'sh', '-c', "printf 'héllo wörld\\nsecond line ✓'; printf 'to stderr\\n' >&2"]);
    t.equal((await ha.run(['wait', id], { timeoutMs: 20_000 })).code, 0);
    t.equal((await ha.task(id)).host, 'host-b', 'it ran on B');
    const there = await hb.run(['logs', id]);
    const here = await ha.run(['logs', id]);
    t.equal(here.code, 0, here.stderr);
    t.equal(here.stdout, 'héllo wörld\nsecond line ✓');
    t.equal(here.stdout, there.stdout, 'the same bytes as on B');
    t.equal(await ha.ok(['logs', id, '--stderr']), 'to stderr\n');
    t.equal(await ha.ok(['logs', id, '-n', '1']), 'second line ✓');
    // Following a finished one on A: its tail, then the end.
    t.equal(await ha.ok(['logs', '-f', id]), 'héllo wörld\nsecond line ✓');

    // Running on B: `logs -f` on A follows it to its end.
    const gate = path.join(hb.dir, 'gate');
    const running = await ha.submit(['--', 'sh', '-c', `echo first; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo second; echo third`]);
    await ha.waitState(running, ['RUNNING'], 20_000);
    const follower = ha.spawn(['logs', '-f', running]);
    let out = '';
    follower.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => follower.on('close', (code) => resolve(code)));
    await waitFor('the follower on A printed the first line', () => out === 'first\n', 20_000);
    writeFileSync(gate, '');
    t.equal(await exited, 0, 'logs -f on A ends when the task ends on B');
    t.equal(out, 'first\nsecond\nthird\n');

    // Queued when the follow begins, then run on B: followed from its first line.
    const queued = await ha.submit(['--after', running, '--', 'sh', '-c', 'echo one; echo two']);
    t.equal((await ha.run(['logs', '-f', queued], { timeoutMs: 20_000 })).stdout, 'one\ntwo\n');

    // A daemon with another token: refused, named on C, logged on B.
    const hc = new TestHome(t, { config: config(url, 'host-c', 'not-the-token-of-the-others'), workers: false });
    const refused = await jsonError(hc, ['logs', id]);
    t.equal(refused.code, 'PEER_REFUSED');
    t.match(refused.message, /host-b/);
    t.match(refused.hint, /store\.peer_token/);
    await waitFor('B logged the refusal', () =>
      lastLogLines(path.join(hb.paths.logs, 'daemon.log'), 1000).some((l) => l.includes('refused a peer daemon') && l.includes('peer_token')),
    );
    // A daemon without a token does not read peers' output, and says how to.
    const hd = new TestHome(t, { config: `[store]\nurl = "${url}"\nhost = "host-d"\n`, workers: false });
    const off = await jsonError(hd, ['logs', id]);
    t.equal(off.code, 'OUTPUT_ON_OTHER_HOST');
    t.match(off.hint, /store\.peer_token/);
    for (const h of [hc, hd]) await h.ok(['daemon', 'stop']);

    // B's listener serves a peer only reading output: other methods are refused.
    const m = /^(.*):(\d+)$/.exec(row.address)!;
    const socket = tls.connect({ host: m[1], port: Number(m[2]), rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const peer = new Client(socket, 'test-peer', TOKEN);
    t.teardown(() => peer.close());
    t.equal((await peer.call('logs', { id })).state, 'SUCCESS', 'a peer with the token reads output');
    await t.rejects(peer.call('rm', { ids: [id] }), { code: 'METHOD_NOT_FOUND' }, 'and may not remove');
    t.equal((await ha.task(id)).state, 'SUCCESS');
    // The certificate is pinned: one that is not the recorded one is not trusted.
    await pg.sql(db, "UPDATE hosts SET fingerprint = $1 WHERE name = 'host-b'", [row.fingerprint.replace(/^../, row.fingerprint.startsWith('00') ? '11' : '00')]);
    const pinned = await jsonError(ha, ['logs', id]);
    t.equal(pinned.code, 'PEER_UNAVAILABLE');
    t.match(pinned.message, /certificate/);
    await pg.sql(db, "UPDATE hosts SET fingerprint = $1 WHERE name = 'host-b'", [row.fingerprint]);
    t.equal(await ha.ok(['logs', id, '-n', '1']), 'second line ✓');

    // B's daemon dies while A follows a task running there: A's follow fails saying so (its workers go on).
    const cut = await ha.submit(['--', 'sh', '-c', 'echo before; sleep 600']);
    await ha.waitState(cut, ['RUNNING'], 20_000);
    const cutFollow = ha.spawn(['logs', '-f', cut]);
    let cutOut = '';
    let cutErr = '';
    cutFollow.stdout!.on('data', (d) => (cutOut += d));
    cutFollow.stderr!.on('data', (d) => (cutErr += d));
    const cutExit = new Promise<number | null>((resolve) => cutFollow.on('close', (code) => resolve(code)));
    await waitFor('the follower printed the first line', () => cutOut === 'before\n', 20_000);
    process.kill(Number(readFileSync(hb.paths.pidFile, 'utf8')), 'SIGKILL');
    t.not(await cutExit, 0, 'logs -f on A fails when B is lost midway');
    t.match(cutErr, /PEER_UNAVAILABLE/);
    t.match(cutErr, /host-b/);
    // B again (it adopts its workers and the task), so that nothing is left running.
    await hb.ok(['daemon', 'start']);
    t.equal((await ha.run(['kill', cut])).code, 0);
    await ha.waitState(cut, ['STOPPED', 'LOST'], 20_000);

    // B stopped: a clear error naming it.
    await hb.ok(['daemon', 'stop']);
    const down = await jsonError(ha, ['logs', id]);
    t.equal(down.code, 'PEER_UNAVAILABLE');
    t.equal(down.host, 'host-b');
    t.match(down.message, /host-b/);
    t.match(down.hint, /daemon start/);
    t.equal((await ha.run(['logs', '-f', id])).code === 0, false, 'logs -f too');
  });

  t.test('rm on A of a task that ran on B is refused; retention on both archives each task where it ran, with its output', async (t) => {
    const { ha, hb } = await pair(t);
    const id = await ha.submit(['--', 'sh', '-c', 'echo kept']);
    t.equal((await ha.run(['wait', id], { timeoutMs: 20_000 })).code, 0);
    const e = await jsonError(ha, ['rm', id]);
    t.equal(e.code, 'OUTPUT_ON_OTHER_HOST');
    t.match(e.hint, /host-b/);
    t.equal((await ha.task(id)).state, 'SUCCESS', 'nothing was removed');
    t.equal(await ha.ok(['logs', id]), 'kept\n');
    t.equal((await hb.run(['rm', id])).code, 0, 'rm on B, where it ran, archives it');
    const inB = (await hb.json<ArchiveList>(['archive', 'ls'])).entries.map((x) => x.id);
    t.same(inB, [id]);
  });

  t.test('retention on two daemons: each archives only the tasks that ran on it, with their output', async (t) => {
    const url = await pg.createDb();
    // A archives sooner than B: before, A took B's tasks (into its own archive, or lost the race and deleted B's copy).
    const worker = (tag: string, slots: number) => `[worker]\nslots = ${slots}\nextra_tags = ["${tag}"]\n`;
    const ha = new TestHome(t, { config: config(url, 'host-a', TOKEN, '[retention]\nfinished = "3s"\n' + worker('on-a', 1)) });
    const hb = new TestHome(t, { config: config(url, 'host-b', TOKEN, '[retention]\nfinished = "6s"\n' + worker('on-b', 2)) });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    const onB: string[] = [];
    for (let i = 0; i < 4; i++) onB.push(await hb.submit(['--tag', 'on-b', '--', 'sh', '-c', `echo b${i}`]));
    const onA = [await ha.submit(['--tag', 'on-a', '--', 'sh', '-c', 'echo a0'])];
    const archived = async (h: TestHome) => new Map((await h.json<ArchiveList>(['archive', 'ls', '-n', '1000'])).entries.map((x) => [x.id, x]));
    // Not `wait`: under load retention can archive a task before a wait call has seen it end.
    const total = onA.length + onB.length;
    await waitFor('every task ended and archived', async () => (await archived(ha)).size + (await archived(hb)).size >= total, 60_000);
    const [inA, inB] = [await archived(ha), await archived(hb)];
    t.same([...inA.keys()].sort(), onA, "A's archive holds the task that ran on A");
    t.same([...inB.keys()].sort(), [...onB].sort(), "B's archive holds the tasks that ran on B");
    for (const [h, ids] of [
      [ha, onA],
      [hb, onB],
    ] as const) {
      for (const id of ids) {
        const entry = await h.json<ArchivedTask>(['archive', 'show', id]);
        t.equal(entry.task.host, h === ha ? 'host-a' : 'host-b', `${id} ran on the host whose archive holds it`);
        const file = path.join(entry.path, 'stdout.log');
        t.ok(existsSync(file), `${id}'s output is in that archive`);
        t.match(readFileSync(file, 'utf8'), /^[ab]\d\n$/);
      }
    }
  });

  t.test('retention by count on two daemons: the whole store keeps N finished, each daemon archives what ran on it', async (t) => {
    const url = await pg.createDb();
    const worker = (tag: string) => `[worker]\nslots = 1\nextra_tags = ["${tag}"]\n`;
    const ha = new TestHome(t, { config: config(url, 'host-a', TOKEN, '[retention]\nfinished = 2\n' + worker('on-a')) });
    const hb = new TestHome(t, { config: config(url, 'host-b', TOKEN, '[retention]\nfinished = 2\n' + worker('on-b')) });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    const ran = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      ran.set(await ha.submit(['--tag', 'on-b', '--', 'sh', '-c', `echo b${i}`]), 'host-b');
      ran.set(await hb.submit(['--tag', 'on-a', '--', 'sh', '-c', `echo a${i}`]), 'host-a');
    }
    const archived = async (h: TestHome) => (await h.json<ArchiveList>(['archive', 'ls', '-n', '1000'])).entries.map((x) => x.id);
    await waitFor('four of the six archived', async () => (await archived(ha)).length + (await archived(hb)).length >= 4, 60_000);
    const left = (await ha.json<{ finished: Array<{ id: string }> }>(['ps'])).finished.map((x) => x.id);
    t.equal(left.length, 2, `the store keeps 2 finished (${left.join(', ')})`);
    const [inA, inB] = [await archived(ha), await archived(hb)];
    t.equal(inA.length + inB.length, 4, 'no task archived twice');
    t.same(
      inA.filter((id) => ran.get(id) !== 'host-a'),
      [],
      "A's archive holds only tasks that ran on A",
    );
    t.same(
      inB.filter((id) => ran.get(id) !== 'host-b'),
      [],
      "B's archive holds only tasks that ran on B",
    );
    t.same(
      [...ran.keys()].filter((id) => !left.includes(id) && !inA.includes(id) && !inB.includes(id)),
      [],
      'none lost',
    );
  });
}
