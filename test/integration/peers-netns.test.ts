// A host's link cut (issue 13, item 7), in network namespaces this test makes itself: a
// throw-away PostgreSQL listens also on the host end of a veth pair; daemon A runs in the root
// namespace, daemon B (and its workers and tasks) in a namespace reaching the store only through
// the veth. B's link is cut for 30 s while it runs tasks: B stops their processes itself (the
// fence) before its lease (3 s) runs out, A takes them over and runs them again; when the link
// comes back, B's reports for its old attempts are all refused (and logged), and the stored tasks
// are exactly as A left them (0 stale completions). Skipped (with the reason) where `ip netns` is not
// allowed (not root, no iproute2).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../../src/protocol/model.js';
import { PG_MISSING, startPostgres } from '../helpers/postgres.js';
import { BIN, logEntries, processesOf, testEnv, TestHome, waitFor } from '../helpers/home.js';

const LEASE_MS = 3_000;
const CUT_MS = 30_000;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** A veth pair between the root namespace (10.213.X.1) and a new one (10.213.X.2); the reason when it cannot be made. */
function makeLink(): { ns: string; dev: string; hostAddr: string; remove(): void } | string {
  const tag = String(process.pid % 100_000);
  const ns = `bkns${tag}`;
  const dev = `bkh${tag}`;
  const peer = `bkn${tag}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const used = ip('-4', '-o', 'addr').stdout ?? '';
  let x = 1 + Math.floor(Math.random() * 250);
  while (used.includes(`10.213.${x}.`)) x = 1 + ((x + 1) % 250);
  const made = ip('netns', 'add', ns);
  if (made.error || made.status !== 0) return `ip netns add failed (${made.error?.message ?? made.stderr.trim()}): needs root and iproute2`;
  const remove = () => {
    ip('link', 'del', dev);
    ip('netns', 'del', ns);
  };
  const steps = [
    ['link', 'add', dev, 'type', 'veth', 'peer', 'name', peer],
    ['link', 'set', peer, 'netns', ns],
    ['addr', 'add', `10.213.${x}.1/30`, 'dev', dev],
    ['link', 'set', dev, 'up'],
    ['netns', 'exec', ns, 'ip', 'addr', 'add', `10.213.${x}.2/30`, 'dev', peer],
    ['netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up'],
    ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'],
  ];
  for (const s of steps) {
    const r = ip(...s);
    if (r.status !== 0) {
      remove();
      return `ip ${s.join(' ')} failed: ${r.stderr.trim()}`;
    }
  }
  return { ns, dev, hostAddr: `10.213.${x}.1`, remove };
}

const link = makeLink();
if (typeof link === 'string') t.test(link, { skip: link }, () => {});
else {
  t.teardown(() => link.remove());
  const pg = await startPostgres(t, { listen: [link.hostAddr] });
  if (!pg) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
  else {
    t.test("a host's link cut for 30 s: its tasks are taken over, its late reports refused, its lost process stopped", async (t) => {
      const url = await pg.createDb();
      const db = url.slice(url.lastIndexOf('/') + 1);
      const marks = mkdtempSync(path.join(os.tmpdir(), 'bk-marks-'));
      t.teardown(() => rmSync(marks, { recursive: true, force: true }));
      // Attempt 1 (on B) sleeps SECS; attempt 2 (on A) ends at once. Each start and end is marked.
      const types = {
        cut: `command = 'echo "start $BLANKET_APP_ATTEMPT" >> "$MARKS/$N"; test "$BLANKET_APP_ATTEMPT" = 1 && sleep "$SECS"; echo "end $BLANKET_APP_ATTEMPT" >> "$MARKS/$N"'\nretries = 1\nretry_backoff = "1s"\n[[environment.required]]\nname = "MARKS"\n[[environment.required]]\nname = "N"\n[[environment.required]]\nname = "SECS"\n`,
      };
      const config = (host: string, to: string) => `[store]\nurl = "${url.replace('127.0.0.1', to)}"\nhost = "${host}"\nlease = "${LEASE_MS / 1000}s"\n`;
      const ha = new TestHome(t, { config: config('host-a', '127.0.0.1'), workers: 3, types });
      const hb = new TestHome(t, { config: config('host-b', link.hostAddr), workers: 3, types });

      // A joins the store first (its lease row stays when it stops), so B knows from its start that
      // another daemon could take its tasks over, and fences when cut off (a daemon alone does not).
      await ha.ok(['daemon', 'start']);
      await ha.ok(['daemon', 'stop']);
      // B's daemon (and so its workers and tasks) in the namespace.
      const started = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn('ip', ['netns', 'exec', link.ns, process.execPath, BIN, 'daemon', 'start'], { env: testEnv(hb.dir), stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.on('close', (code) => resolve({ code, err }));
      });
      t.equal(started.code, 0, `B's daemon started in namespace ${link.ns}: ${started.err}`);
      const cb = await hb.client();
      const task = (n: string, secs: number) => ({ type: 'cut', env: { MARKS: marks, N: n, SECS: String(secs) } });
      // "long" spans the cut; "short1", "short2" end during it (their completions cannot reach the store).
      const names = ['long', 'short1', 'short2'];
      const { ids } = await cb.call('run.batch', { tasks: [task('long', 40), task('short1', 6), task('short2', 6)] });
      const running = await Promise.all(ids.map((id) => hb.waitState(id, ['RUNNING'], 20_000)));
      for (const r of running) t.equal(r.host, 'host-b');
      const longPid = running[0]!.pid!;
      await ha.ok(['daemon', 'start']);

      t.equal(ip('link', 'set', link.dev, 'down').status, 0, 'link cut');
      const cutAt = Date.now();
      // A takes B's tasks over (attempt 1 LOST) and runs them again.
      t.equal((await ha.run(['wait', ...ids], { timeoutMs: 60_000 })).code, 0, 'A ran them again (SUCCESS)');
      t.ok(Date.now() - cutAt < LEASE_MS + 15_000, `taken over and run within lease + 15 s (${Date.now() - cutAt} ms)`);
      const rows = async () => (await pg.sql(db, 'SELECT id, body FROM tasks ORDER BY id')).rows as Array<{ id: string; body: Task }>;
      const before = await rows();
      t.notOk(alive(longPid), 'B, cut off, stopped its process of the long task itself (the fence)');

      await waitFor('the 30 s cut to pass', () => Date.now() - cutAt >= CUT_MS, CUT_MS + 5_000);
      t.equal(ip('link', 'set', link.dev, 'up').status, 0, 'link back');
      const log = () => logEntries<{ msg: string; host?: string; task?: string; tasks?: string[]; attempt?: number; why?: string }>(path.join(hb.paths.logs, 'daemon.log'));
      t.ok(
        log().some((e) => /could not renew this daemon's lease: stopped its tasks' processes/.test(e.msg) && e.tasks?.includes(ids[0]!)),
        "B's log names the task it stopped when it could not renew its lease",
      );
      await waitFor('B to log that its lease was taken', () => log().some((e) => /lease ran out/.test(e.msg)), 20_000);
      // Every late report of B's workers for their attempts 1 is refused and logged.
      await waitFor(
        "B's late reports for all three attempts refused",
        () => {
          const refused = log().filter((e) => e.msg === 'refused a stale worker report' && e.attempt === 1 && e.host === 'host-b');
          return ids.every((id) => refused.some((e) => e.task === id));
        },
        60_000,
      );
      t.equal(processesOf(hb.dir).filter((p) => /sleep/.test(cmdline(p))).length, 0, 'no task process left on B');
      // Every process had ended (stopped by the fence, or on its own) before B learnt of the takeover.
      t.notOk(
        log().some((e) => e.msg === 'stopped a task this daemon no longer holds'),
        'no process is said to be stopped at the takeover: all had ended',
      );
      // 0 stale completions: the store is exactly as A left it.
      t.same(await rows(), before, 'no stored task changed after the link came back');
      for (const [i, { body }] of before.entries()) {
        t.match(body, { state: 'SUCCESS', attempt: 2, host: 'host-a' }, `${names[i]} ended once, on A`);
        t.equal(body.attempts.length, 2, `${names[i]}: two attempts, none counted twice`);
        t.match(
          body.attempts[0],
          { attempt: 1, outcome: 'LOST', exitCode: null, signal: null, reason: /^taken over by host-a: its daemon host-b stopped renewing its lease/ },
          `${names[i]}: attempt 1 LOST by the takeover, not B's late end`,
        );
        t.match(body.attempts[1], { attempt: 2, outcome: 'SUCCESS', exitCode: 0, host: 'host-a' });
        t.equal(body.attempts[0]!.host, 'host-b', `${names[i]}: attempt 1 was B's`);
      }
      // `show` (on either host) says whose each attempt was and that attempt 1 was taken over.
      const shown = await hb.ok(['show', ids[1]!]);
      t.match(shown, /^1 +local@host-b .*LOST +- +taken over by host-a: its daemon host-b stopped renewing its lease/m);
      t.match(shown, /^2 +local@host-a .*SUCCESS +0/m);
      // The processes: the long one never ended on B (the fence killed it); the short ones were
      // killed too, or ended first if they were near their end (refused then).
      const marked = Object.fromEntries(readdirSync(marks).map((f) => [f, readFileSync(path.join(marks, f), 'utf8').trim().split('\n').sort()]));
      t.same(marked.long, ['end 2', 'start 1', 'start 2']);
      for (const n of ['short1', 'short2'])
        t.same(
          marked[n]!.filter((l) => l !== 'end 1'),
          ['end 2', 'start 1', 'start 2'],
          n,
        );
      // B registers again and goes on.
      await waitFor('B registered again', async () => (await pg.sql(db, "SELECT gone FROM hosts WHERE name = 'host-b'")).rows[0]?.gone === false, 20_000);
    });
  }
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
