// Store-level claim+complete throughput of the PostgreSQL store with 8 concurrent claimers,
// against a throw-away PostgreSQL, as a ratio to a bare loop in the same harness: the same 8
// claimers doing `SELECT … ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED` + UPDATE
// (claim) and an UPDATE (complete) on a plain table of the same size. One store op is what a
// task's life costs the store: claim, start, exit (three transactions, each with its checks).
// Then claim latency with R ready rows and I ineligible ones ahead of them (higher priority, tags
// no claimer has): single claims, p50/p99, store against the bare loop's claim on as many rows.
// Not part of npm test. `node bench/pg-claim.mjs [--quick] [--tasks N] [--reps R] [--ready R]
// [--ineligible I] [--claims K]` (build first; --quick: 2000 tasks, 50000 ready, 5000 ineligible).
import path from 'node:path';
import pg from 'pg';
import { ROOT } from './lib/repo.mjs';
import { median } from './lib/stats.mjs';
import { startPg } from './lib/pg-server.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const N = opt('--tasks', quick ? 2000 : 20000);
const REPS = opt('--reps', quick ? 1 : 3);
const READY = opt('--ready', quick ? 50_000 : 1_000_000);
const INELIGIBLE = opt('--ineligible', quick ? 5_000 : 100_000);
const CLAIMS = opt('--claims', 500);
const CLAIMERS = 8;
const T0 = Date.UTC(2026, 0, 1);

const { PostgresStore } = await import(path.join(ROOT, 'dist', 'daemon', 'store', 'pg.js'));

const draft = (i) => ({
  type: `t${i % 4}`,
  priority: i % 3,
  env: {},
  tags: ['bash', 'unix'],
  executor: 'bash',
  command: 'true',
  files: [],
  timeout: 10,
  retries: 0,
  retryBackoff: 10_000,
  maxConcurrent: 0,
  after: [],
});

async function storeRun(url) {
  const store = new PostgresStore({ url, resultsRoot: '/tmp/bkb-pg-results', poolSize: CLAIMERS + 2 });
  await store.open();
  for (let i = 0; i < N; i += 1000)
    await store.submit(
      Array.from({ length: Math.min(1000, N - i) }, (_, j) => draft(i + j)),
      T0,
    );
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLAIMERS }, async (_, w) => {
      for (;;) {
        const c = await store.claim({ worker: `w${w}`, tags: ['bash', 'unix'], now: T0 + 1 });
        if (!c) return;
        await store.apply(c.task.id, { type: 'start', pid: 1, pgid: 1, at: T0 + 2 });
        await store.apply(c.task.id, { type: 'exit', at: T0 + 3, exitCode: 0, signal: null, cause: 'exit' });
        done++;
      }
    }),
  );
  const ms = performance.now() - started;
  await store.close();
  if (done !== N) throw new Error(`store: ${done} of ${N} done`);
  await printUpdates(url, 3 * N);
  return (N / ms) * 1000;
}

/** Row updates of tasks and how many were HOT (no index entry written), once the closed backends' statistics are in (3 s at most). */
async function printUpdates(url, expected) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let row;
  for (const until = Date.now() + 3000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    row = (await c.query("SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'tasks'")).rows[0];
    if (row.upd >= expected) break;
  }
  await c.end();
  console.log(`  tasks updates: ${row.upd}, HOT: ${row.hot}`);
}

async function bareRun(url) {
  const pool = new pg.Pool({ connectionString: url, max: CLAIMERS + 2 });
  await pool.query('CREATE TABLE bare (id text COLLATE "C" PRIMARY KEY, priority int NOT NULL, state text NOT NULL, body jsonb NOT NULL)');
  await pool.query("CREATE INDEX bare_queue ON bare (priority DESC, id) WHERE state = 'ready'");
  await pool.query(`INSERT INTO bare SELECT lpad(i::text, 8, '0'), i % 3, 'ready', $1::jsonb FROM generate_series(1, ${N}) i`, [JSON.stringify(draft(0))]);
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLAIMERS }, async () => {
      const c = await pool.connect();
      try {
        for (;;) {
          await c.query('BEGIN');
          const r = await c.query("SELECT id FROM bare WHERE state = 'ready' ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED");
          if (r.rows.length === 0) {
            await c.query('COMMIT');
            return;
          }
          await c.query("UPDATE bare SET state = 'claimed' WHERE id = $1", [r.rows[0].id]);
          await c.query('COMMIT');
          await c.query("UPDATE bare SET state = 'done' WHERE id = $1", [r.rows[0].id]);
          done++;
        }
      } finally {
        c.release();
      }
    }),
  );
  const ms = performance.now() - started;
  await pool.end();
  if (done !== N) throw new Error(`bare: ${done} of ${N} done`);
  return (N / ms) * 1000;
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const latency = (xs) => ({ p50: Math.round(pct(xs, 50) * 1000) / 1000, p99: Math.round(pct(xs, 99) * 1000) / 1000 });

/** Copies of the task `id` (ids after it, in order), made in SQL: submitting 10^6 through the store would take long. */
async function clone(pool, id, n) {
  for (let from = 1; from <= n; from += 100_000)
    await pool.query(
      `INSERT INTO tasks (id, body, state, type, label, priority, attempt, created_at, grp, not_before, blocked, ended_at, worker, schedule, after_ids, host)
       SELECT t.id || lpad(i::text, 8, '0'), jsonb_set(t.body, '{id}', to_jsonb(t.id || lpad(i::text, 8, '0'))), t.state, t.type, t.label, t.priority, t.attempt,
              t.created_at, t.grp, t.not_before, t.blocked, t.ended_at, t.worker, t.schedule, t.after_ids, t.host
       FROM tasks t, generate_series($2::int, $3::int) i WHERE t.id = $1`,
      [id, from, Math.min(n, from + 99_999)],
    );
}

async function storeLatency(url) {
  const store = new PostgresStore({ url, resultsRoot: '/tmp/bkb-pg-results', poolSize: 2 });
  await store.open();
  const [ahead] = await store.submit([{ ...draft(0), tags: ['gpu'], priority: 9 }], T0);
  const [ready] = await store.submit([draft(0)], T0);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await clone(pool, ahead.id, INELIGIBLE - 1);
  await clone(pool, ready.id, READY - 1);
  await pool.query('VACUUM ANALYZE tasks');
  await pool.end();
  const ms = [];
  for (let i = 0; i < CLAIMS; i++) {
    const a = performance.now();
    const c = await store.claim({ worker: 'w0', tags: ['bash', 'unix'], now: T0 + 1 });
    ms.push(performance.now() - a);
    if (!c || c.task.tags.includes('gpu')) throw new Error('store latency: no eligible task claimed');
  }
  await store.close();
  return ms;
}

async function bareLatency(url) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query('CREATE TABLE bare (id text COLLATE "C" PRIMARY KEY, priority int NOT NULL, state text NOT NULL, body jsonb NOT NULL)');
  await pool.query("CREATE INDEX bare_queue ON bare (priority DESC, id) WHERE state = 'ready'");
  // The ineligible rows are outside the bare loop's index (its floor: one descent, one row).
  await pool.query(`INSERT INTO bare SELECT 'a' || lpad(i::text, 8, '0'), 9, 'other', $1::jsonb FROM generate_series(1, ${INELIGIBLE}) i`, [JSON.stringify(draft(0))]);
  await pool.query(`INSERT INTO bare SELECT 'b' || lpad(i::text, 8, '0'), 0, 'ready', $1::jsonb FROM generate_series(1, ${READY}) i`, [JSON.stringify(draft(0))]);
  await pool.query('VACUUM ANALYZE bare');
  const c = await pool.connect();
  const ms = [];
  try {
    for (let i = 0; i < CLAIMS; i++) {
      const a = performance.now();
      await c.query('BEGIN');
      const r = await c.query("SELECT id FROM bare WHERE state = 'ready' ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED");
      await c.query("UPDATE bare SET state = 'claimed' WHERE id = $1", [r.rows[0].id]);
      await c.query('COMMIT');
      ms.push(performance.now() - a);
    }
  } finally {
    c.release();
  }
  await pool.end();
  return ms;
}

const server = await startPg();
try {
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const stores = [];
  const bares = [];
  for (let r = 0; r < REPS; r++) {
    for (const kind of ['bare', 'store']) {
      const db = `bench_${kind}_${r}`;
      await admin.query(`CREATE DATABASE ${db}`);
      const rate = kind === 'bare' ? await bareRun(server.url(db)) : await storeRun(server.url(db));
      (kind === 'bare' ? bares : stores).push(rate);
      console.log(`${kind} rep ${r + 1}: ${Math.round(rate)} ops/s`);
    }
  }
  const lat = {};
  for (const kind of ['bare', 'store']) {
    const db = `bench_latency_${kind}`;
    await admin.query(`CREATE DATABASE ${db}`);
    lat[kind] = latency(kind === 'bare' ? await bareLatency(server.url(db)) : await storeLatency(server.url(db)));
    console.log(`${kind} claim latency with ${READY} ready and ${INELIGIBLE} ineligible ahead: p50 ${lat[kind].p50} ms, p99 ${lat[kind].p99} ms`);
  }
  await admin.end();
  const s = median(stores);
  const b = median(bares);
  console.log(
    JSON.stringify({
      tasks: N,
      claimers: CLAIMERS,
      reps: REPS,
      storeOpsPerSec: Math.round(s),
      bareOpsPerSec: Math.round(b),
      ratio: Math.round((s / b) * 100) / 100,
      store: stores.map(Math.round),
      bare: bares.map(Math.round),
      latency: { ready: READY, ineligible: INELIGIBLE, claims: CLAIMS, storeMs: lat.store, bareMs: lat.bare, p50Ratio: Math.round((lat.bare.p50 / lat.store.p50) * 100) / 100 },
    }),
  );
} finally {
  server.stop();
}
