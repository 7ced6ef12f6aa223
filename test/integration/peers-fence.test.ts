// Self-fencing (issue 13): a daemon cut off from PostgreSQL (a TCP proxy between it and the
// throw-away server, cut: every connection reset, new ones too) stops its tasks' processes
// before its lease can run out, so a peer that takes them over never runs an attempt while the
// cut-off host still runs the old one. Also: the worker logs a task's end once however often it
// resends the report; the daemon says "already ended", not "stopped", for a process that had
// ended; and a store back before any peer took over ends the stopped attempts LOST (retried).
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../../src/protocol/model.js';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { logEntries, processesOf, TestHome, waitFor } from '../helpers/home.js';

// Long enough that a loaded machine does not delay a renewal past the fence (lease less 1 s).
const LEASE = '5s';

// Attempt 1: `loop` ticks (a timestamp every 50 ms) until killed; `short` ends once $MARKS/go
// exists. Later attempts start and end at once. Every line carries the attempt and a timestamp (ns).
const TYPES = {
  fence: `command = '''
now() { date +%s%N; }
if [ "$BLANKET_APP_ATTEMPT" = 1 ]; then
  echo "start 1 $(now)" >> "$MARKS/$N"
  if [ "$MODE" = short ]; then
    while [ ! -e "$MARKS/go" ]; do sleep 0.05; done
    echo "end 1 $(now)" >> "$MARKS/$N"; exit 0
  fi
  while :; do echo "tick 1 $(now)" >> "$MARKS/$N"; sleep 0.05; done
fi
echo "start $BLANKET_APP_ATTEMPT $(now)" >> "$MARKS/$N"
echo "end $BLANKET_APP_ATTEMPT $(now)" >> "$MARKS/$N"
'''
retries = 1
retry_backoff = "1s"
[[environment.required]]
name = "MARKS"
[[environment.required]]
name = "N"
[[environment.required]]
name = "MODE"
`,
};

interface Line {
  msg: string;
  task?: string;
  tasks?: string[];
  attempt?: number;
  host?: string;
  cause?: string;
}

/** Each marker file: its lines as [event, attempt, time (ns, as a bigint)]. */
function markers(dir: string): Record<string, Array<[string, number, bigint]>> {
  const out: Record<string, Array<[string, number, bigint]>> = {};
  for (const f of readdirSync(dir)) {
    if (f === 'go') continue;
    out[f] = readFileSync(path.join(dir, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([ev, a, ns]) => [ev!, Number(a), BigInt(ns!)]);
  }
  return out;
}

const FENCED = /could not renew this daemon's lease: stopped its tasks' processes/;

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

function tests(pg: PgServer): void {
  async function setup(t: Test) {
    const url = await pg.createDb();
    const proxy = await tcpProxy(t, { port: pg.port });
    const config = (host: string, u: string) => `[store]\nurl = "${u}"\nhost = "${host}"\nlease = "${LEASE}"\n`;
    const marks = mkdtempSync(path.join(os.tmpdir(), 'bk-marks-'));
    t.teardown(() => rmSync(marks, { recursive: true, force: true }));
    const hb = new TestHome(t, { config: config('host-b', url.replace(`:${pg.port}/`, `:${proxy.port}/`)), workers: 3, types: TYPES });
    return { url, proxy, marks, hb, config, db: url.slice(url.lastIndexOf('/') + 1) };
  }
  const task = (marks: string, n: string, mode: string) => ({ type: 'fence', env: { MARKS: marks, N: n, MODE: mode } });

  t.test('a host cut off from the store stops its processes before a peer takes its tasks over', async (t) => {
    const { url, proxy, marks, hb, config, db } = await setup(t);
    const ha = new TestHome(t, { config: config('host-a', url), workers: 3, types: TYPES });
    // A has joined the store before (its lease row stays when it stops), so B knows from its start
    // that another daemon could take its tasks over (a daemon alone on the store does not fence).
    await ha.ok(['daemon', 'start']);
    await ha.ok(['daemon', 'stop']);
    await hb.ok(['daemon', 'start']);
    const cb = await hb.client();
    const names = ['loop1', 'loop2', 'short'];
    const { ids } = await cb.call('run.batch', { tasks: [task(marks, 'loop1', 'loop'), task(marks, 'loop2', 'loop'), task(marks, 'short', 'short')] });
    for (const id of ids) t.equal((await hb.waitState(id, ['RUNNING'], 30_000)).host, 'host-b');
    await ha.ok(['daemon', 'start']);
    const daemonLog = () => logEntries<Line>(path.join(hb.paths.logs, 'daemon.log'));
    const workerLog = () => logEntries<Line>(path.join(hb.paths.logs, 'worker-local.log'));

    proxy.cut();
    writeFileSync(path.join(marks, 'go'), ''); // the short task ends now, its report not storable
    // B stops its processes itself, logging it once with the task ids.
    await waitFor('B to stop its processes', () => daemonLog().some((e) => FENCED.test(e.msg)), 30_000);
    const fenced = daemonLog().filter((e) => FENCED.test(e.msg));
    t.equal(fenced.length, 1, 'logged once');
    t.ok(
      ['loop1', 'loop2'].every((n) => fenced[0]!.tasks!.includes(ids[names.indexOf(n)]!)),
      `names the tasks it stopped: ${fenced[0]!.tasks!.join(', ')}`,
    );
    // A takes them over (attempt 1 LOST) and runs them again.
    t.equal((await ha.run(['wait', ...ids], { timeoutMs: 60_000 })).code, 0, 'A ran them again (SUCCESS)');
    // The short task's report is sent again while the store is away: the worker says it ended once.
    await waitFor("B's worker to send its exit reports again", () => workerLog().filter((e) => e.msg === 'report failed').length >= 6, 30_000);
    const rows = async () => (await pg.sql(db, 'SELECT id, body FROM tasks ORDER BY id')).rows as Array<{ id: string; body: Task }>;
    const before = await rows();

    proxy.restore();
    await waitFor('B to log that its lease was taken', () => daemonLog().some((e) => /lease ran out/.test(e.msg)), 30_000);
    await waitFor(
      "B's late reports for all three attempts refused",
      () => {
        const refused = daemonLog().filter((e) => e.msg === 'refused a stale worker report' && e.attempt === 1 && e.host === 'host-b');
        return ids.every((id) => refused.some((e) => e.task === id));
      },
      60_000,
    );
    await waitFor('B registered again', async () => (await pg.sql(db, "SELECT gone FROM hosts WHERE name = 'host-b'")).rows[0]?.gone === false, 30_000);
    t.same(await rows(), before, 'no stored task changed after the link came back');
    for (const [i, { body }] of before.entries()) {
      t.match(body, { state: 'SUCCESS', attempt: 2, host: 'host-a' }, `${names[i]} ended once, on A`);
      t.equal(body.attempts.length, 2);
      t.match(body.attempts[0], { attempt: 1, outcome: 'LOST', host: 'host-b', reason: /^taken over by host-a/ }, `${names[i]}: attempt 1 ended by the takeover`);
    }
    // Nothing ran twice at once: every line of B's attempt (its last tick, or its end) is before A's start.
    const m = markers(marks);
    for (const [n, lines] of Object.entries(m)) {
      const one = lines.filter(([, a]) => a === 1).map(([, , ns]) => ns);
      const start2 = lines.find(([ev, a]) => ev === 'start' && a === 2)?.[2];
      t.ok(start2 !== undefined && one.length > 0, `${n}: both attempts ran`);
      t.ok(
        one.every((ns) => ns < start2!),
        `${n}: attempt 1 on B ended before attempt 2 on A started (${Number((start2! - one.reduce((a, b) => (a > b ? a : b))) / 1_000_000n)} ms before)`,
      );
      t.equal(lines.filter(([ev, a]) => ev === 'end' && a === 2).length, 1, `${n}: attempt 2 ended once`);
    }
    // The worker logged each end once (the short one's report was sent several times).
    for (const [i, id] of ids.entries()) {
      t.equal(workerLog().filter((e) => e.msg === 'task finished' && e.task === id).length, 1, `${names[i]}: 'task finished' logged once`);
    }
    // Every process had ended when B learnt of the takeover: none is said to be stopped then.
    for (const [i, id] of ids.entries()) {
      t.notOk(
        daemonLog().some((e) => e.msg === 'stopped a task this daemon no longer holds' && e.task === id),
        `${names[i]}: not logged as stopped at the takeover (its process had ended)`,
      );
    }
    t.ok(
      daemonLog().some((e) => e.msg === 'a task this daemon no longer holds had already ended' && e.task === ids[2]),
      'the short task is logged as already ended',
    );
    t.same(
      processesOf(hb.dir).filter((p) => /sleep|sh -c/.test(cmdline(p))),
      [],
      'no task process left on B',
    );
  });

  t.test('the store back before any peer took over: the stopped attempts end LOST and are retried', async (t) => {
    const { url, proxy, marks, hb, config } = await setup(t);
    // A shares the store (its lease row stays when it stops), so B fences: A could come back and take over.
    const ha = new TestHome(t, { config: config('host-a', url), workers: false, types: TYPES });
    await ha.ok(['daemon', 'start']);
    await ha.ok(['daemon', 'stop']);
    await hb.ok(['daemon', 'start']);
    const id = await hb.submit(['fence', '-e', `MARKS=${marks}`, '-e', 'N=alone', '-e', 'MODE=loop']);
    await hb.waitState(id, ['RUNNING'], 30_000);
    await waitFor('attempt 1 to tick', () => existsSync(path.join(marks, 'alone')) && /tick/.test(readFileSync(path.join(marks, 'alone'), 'utf8')), 30_000);
    proxy.cut();
    await waitFor('B to stop its process', () => logEntries<Line>(path.join(hb.paths.logs, 'daemon.log')).some((e) => FENCED.test(e.msg) && e.tasks?.includes(id)), 30_000);
    proxy.restore();
    const done = await hb.waitState(id, ['SUCCESS', 'ERROR', 'LOST', 'STOPPED'], 60_000);
    t.match(done, { state: 'SUCCESS', attempt: 2, host: 'host-b' }, 'retried by its retry policy, on B');
    t.match(
      done.attempts[0],
      { attempt: 1, outcome: 'LOST', reason: /^its daemon host-b could not reach the store for [\d.]+s \(store\.lease 5s\)/ },
      `attempt 1 LOST, saying why: ${done.attempts[0]!.reason}`,
    );
    const lines = markers(marks).alone!;
    const start2 = lines.find(([ev, a]) => ev === 'start' && a === 2)![2];
    t.ok(
      lines.filter(([, a]) => a === 1).every(([, , ns]) => ns < start2),
      'attempt 1 ended before attempt 2 started',
    );
  });

  t.test('a daemon alone on the store does not fence: a store outage longer than the fence leaves its task running', async (t) => {
    const { proxy, marks, hb, db } = await setup(t);
    await hb.ok(['daemon', 'start']);
    const id = await hb.submit(['fence', '-e', `MARKS=${marks}`, '-e', 'N=alone', '-e', 'MODE=short']);
    await hb.waitState(id, ['RUNNING'], 30_000);
    await waitFor('attempt 1 to start', () => existsSync(path.join(marks, 'alone')), 30_000);
    proxy.cut();
    // Past B's lease by the store's clock, and so past its fence (the lease less 1 s after the last renewal sent).
    const daemonLog = () => logEntries<Line>(path.join(hb.paths.logs, 'daemon.log'));
    await waitFor("B's lease to run out", async () => (await pg.sql(db, "SELECT 1 FROM hosts WHERE name = 'host-b' AND lease_until < clock_timestamp()")).rows.length > 0, 30_000);
    t.notOk(
      daemonLog().some((e) => FENCED.test(e.msg)),
      'no fence: no other daemon could take the task over',
    );
    t.notMatch(readFileSync(path.join(marks, 'alone'), 'utf8'), /end 1/, 'attempt 1 has not ended');
    proxy.restore();
    writeFileSync(path.join(marks, 'go'), '');
    t.match(await hb.waitState(id, ['SUCCESS', 'ERROR', 'LOST', 'STOPPED'], 60_000), { state: 'SUCCESS', attempt: 1 }, 'it ends by itself, attempt 1');
  });
  t.test('a host forgotten while cut off claims nothing when it comes back: its work waits for another daemon', async (t) => {
    const { url, proxy, hb, config, db } = await setup(t);
    const ha = new TestHome(t, { config: config('host-a', url), workers: false, types: TYPES });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    const daemonPid = Number(readFileSync(hb.paths.pidFile, 'utf8'));
    proxy.cut();
    await waitFor("B's lease to run out", async () => (await pg.sql(db, "SELECT 1 FROM hosts WHERE name = 'host-b' AND lease_until < clock_timestamp()")).rows.length > 0, 30_000);
    await ha.ok(['hosts', 'forget', 'host-b']);
    // Only B has a worker: the task waits on A until B is back.
    const id = await ha.submit(['--', 'true']);
    proxy.restore();
    await waitFor('B to stop (its name was forgotten)', () => !processesOf(hb.dir).includes(daemonPid), 30_000);
    const row = (await pg.sql(db, 'SELECT body FROM tasks WHERE id = $1', [id])).rows[0] as { body: Task };
    t.match(row.body, { state: 'WAITING' }, 'B did not claim it: it still waits');
    t.equal(row.body.attempts.length, 0, 'no attempt was made');
    await ha.ok(['worker', 'start', '--tags', 'sh,bash,unix', '--name', 'late']);
    t.match(await ha.waitState(id, ['SUCCESS', 'ERROR', 'LOST', 'STOPPED'], 30_000), { state: 'SUCCESS', attempt: 1, host: 'host-a' }, 'another daemon runs it');
  });
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
