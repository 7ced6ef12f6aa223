// Peers at scale: 10^4 tasks submitted with `run --batch` on both of two real daemons (separate
// BLANKET_HOMEs, on loopback, several slots each) on one throw-away PostgreSQL, each run exactly
// once: checked from the stored rows (one attempt, SUCCESS, a host), from what each task wrote
// (its own id, once), and from the counts both daemons give.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PG_MISSING, startPostgres, type PgServer } from '../helpers/postgres.js';
import { TestHome, waitFor } from '../helpers/home.js';

const server = await startPostgres(t);
if (!server) t.test(PG_MISSING, { skip: PG_MISSING }, () => {});
else tests(server);

/** Each task appends "N id" to one file: a line this short is one write(2) with O_APPEND, never torn. */
const TYPES = {
  mark: 'command = \'echo "$N $BLANKET_APP_TASK_ID" >> "$MARKS/runs"\'\nkeep_output = "never"\n[[environment.required]]\nname = "MARKS"\n[[environment.required]]\nname = "N"\n',
};

function tests(pg: PgServer): void {
  t.test('tasks submitted one after another on a daemon without workers are each taken by the other daemon promptly', async (t) => {
    // Each is submitted as soon as A hears the one before ended: on B that submit lands while B's
    // worker still waits for the reply to its exit report (its slot taken), and B's wake for it must
    // not be lost (it was: B's only worker then sat idle with the task queued, for good). The
    // window is narrow: the reply and the wake must reach the worker together, which a loaded
    // machine makes likely (bench/peers-e2e.mjs hit it at its 17th task) and an idle one rare.
    const url = await pg.createDb();
    const config = (name: string) => `[store]\nurl = "${url}"\nhost = "${name}"\nlease = "5s"\n`;
    const ha = new TestHome(t, { config: config('host-a'), workers: false, types: TYPES });
    const hb = new TestHome(t, { config: config('host-b'), workers: 1, types: TYPES });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    const marks = mkdtempSync(path.join(os.tmpdir(), 'bk-seq-'));
    t.teardown(() => rmSync(marks, { recursive: true, force: true }));
    const c = await ha.client();
    const ended = new Map<string, string>();
    await c.subscribe({ kinds: ['task'] }, (e) => {
      if (e.kind === 'task' && ['SUCCESS', 'FAILED', 'ERROR', 'LOST', 'STOPPED'].includes(e.task.state)) ended.set(e.task.id, e.task.state);
    });
    const M = 200;
    for (let i = 0; i < M; i++) {
      const { task } = await c.call('run', { type: 'mark', env: { MARKS: marks, N: String(i) } });
      // A deadline far above a start's cost even on a loaded machine; a lost wake never ends.
      const state = await waitFor(`task ${i + 1} of ${M} (${task.id}) to end`, () => ended.get(task.id), 20_000);
      if (state !== 'SUCCESS') t.fail(`task ${i + 1} ended ${state}`);
    }
    t.equal(readFileSync(path.join(marks, 'runs'), 'utf8').trim().split('\n').length, M, `all ${M} ran on B, one after another`);
  });

  t.test('10^4 tasks submitted on both of two daemons each run exactly once', async (t) => {
    const N = 10_000;
    const url = await pg.createDb();
    const db = url.slice(url.lastIndexOf('/') + 1);
    const config = (name: string) => `[store]\nurl = "${url}"\nhost = "${name}"\nlease = "5s"\n`;
    const ha = new TestHome(t, { config: config('host-a'), workers: 4, types: TYPES });
    const hb = new TestHome(t, { config: config('host-b'), workers: 4, types: TYPES });
    await ha.ok(['daemon', 'start']);
    await hb.ok(['daemon', 'start']);
    const marks = mkdtempSync(path.join(os.tmpdir(), 'bk-scale-'));
    t.teardown(() => rmSync(marks, { recursive: true, force: true }));
    const file = (name: string, from: number) => {
      const f = path.join(marks, name);
      const lines = Array.from({ length: N / 2 }, (_, i) => JSON.stringify({ type: 'mark', env: { MARKS: marks, N: String(from + i) } }));
      writeFileSync(f, lines.join('\n') + '\n');
      return f;
    };
    const fa = file('a.jsonl', 0);
    const fb = file('b.jsonl', N / 2);
    const started = Date.now();
    // Both batches at once, one on each host.
    const [ra, rb] = await Promise.all([ha.run(['run', '--batch', fa, '--json'], { timeoutMs: 120_000 }), hb.run(['run', '--batch', fb, '--json'], { timeoutMs: 120_000 })]);
    t.equal(ra.code, 0, `batch on A queued: ${ra.stderr}`);
    t.equal(rb.code, 0, `batch on B queued: ${rb.stderr}`);
    const ids: string[] = [...JSON.parse(ra.stdout).ids, ...JSON.parse(rb.stdout).ids];
    t.equal(new Set(ids).size, N, 'every line queued, each with its own id');
    const submitted = Date.now();
    // Wait on the stored rows (one query, not 10^4 looks).
    const count = async (where: string) => (await pg.sql(db, `SELECT count(*)::int AS n FROM tasks WHERE ${where}`)).rows[0].n as number;
    // The deadline is on progress (some task ends every minute), not on the total: the total is
    // the machine's load's; a lost or stuck claim shows as a stall.
    let said = Date.now();
    let last = { left: N, at: Date.now() };
    await waitFor(
      'every task to end',
      async () => {
        const left = await count("state NOT IN ('SUCCESS', 'FAILED', 'ERROR', 'LOST', 'STOPPED', 'SKIPPED')");
        if (left < last.left) last = { left, at: Date.now() };
        else if (Date.now() - last.at > 60_000) throw new Error(`no task ended in 60 s; ${left} not ended`);
        if (Date.now() - said > 15_000) {
          said = Date.now();
          t.comment(`${Date.now() - started} ms: ${left} not ended`);
        }
        return left === 0;
      },
      600_000,
    );
    const ended = Date.now();
    t.comment(`N = ${N}: submitted in ${submitted - started} ms, all ended ${ended - started} ms after the first submit`);
    // The stored rows: every id there, SUCCESS in one attempt, on some host.
    const rows = (await pg.sql(db, "SELECT id, state, body->>'host' AS host, (body->>'attempt')::int AS attempt FROM tasks")).rows as Array<{
      id: string;
      state: string;
      host: string | null;
      attempt: number;
    }>;
    t.equal(rows.length, N, 'N rows stored, none lost, none extra');
    const byId = new Map(rows.map((r) => [r.id, r]));
    t.same(
      ids.filter((id) => byId.get(id)?.state !== 'SUCCESS'),
      [],
      'every task ended SUCCESS',
    );
    t.same(
      rows.filter((r) => r.attempt !== 1),
      [],
      'each in one attempt',
    );
    const hosts = new Map<string, number>();
    for (const r of rows) hosts.set(r.host ?? '-', (hosts.get(r.host ?? '-') ?? 0) + 1);
    t.comment(`ran on: ${[...hosts].map(([h, n]) => `${h} ${n}`).join(', ')}`);
    t.same([...hosts.keys()].sort(), ['host-a', 'host-b'], 'both daemons ran some, every row names one');
    // What the tasks wrote: each N once, by the task queued for it.
    const lines = readFileSync(path.join(marks, 'runs'), 'utf8').trim().split('\n');
    t.equal(lines.length, N, 'N runs, no more');
    const ran = new Map<string, string[]>();
    for (const l of lines) {
      const [n, id] = l.split(' ');
      ran.set(n!, [...(ran.get(n!) ?? []), id!]);
    }
    t.equal(ran.size, N, 'every task ran');
    t.same(
      [...ran].filter(([, v]) => v.length !== 1),
      [],
      'none ran twice',
    );
    t.same(
      ids.filter((id, i) => ran.get(String(i))?.[0] !== id),
      [],
      'each ran as the task queued for it',
    );
    // Both daemons' counts agree with the store.
    for (const h of [ha, hb]) await waitFor('the counts to follow', async () => (await h.json(['ps'])).counts.SUCCESS === N, 30_000);
  });
}
