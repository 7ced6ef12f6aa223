// Store-level claim+complete throughput of the PostgreSQL store with 8 concurrent claimers,
// against a throw-away PostgreSQL, as a ratio to a bare loop in the same harness: the same 8
// claimers doing `SELECT … ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED` + UPDATE
// (claim) and an UPDATE (complete) on a plain table of the same size. One store op is what a
// task's life costs the store: claim, start, exit (three transactions, each with its checks).
// Not part of npm test. `node bench/pg-claim.mjs [--quick] [--tasks N] [--reps R]` (build first).
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
  return (N / ms) * 1000;
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
    }),
  );
} finally {
  server.stop();
}
