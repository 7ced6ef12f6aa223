// `blanket db check | backup | repair | dump` on the PostgreSQL store (docs/operations.md,
// "PostgreSQL store"). check: the schema version, and every task row's derived columns against
// its JSON, the counts and the queue groups; backup: pg_dump into a new directory; repair: a
// backup, then every derived column and group written again from the JSON; dump: the rows as
// the LevelDB dump pages them (tasks by id, meta and index entries by key).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { DbCheckResult, DbDumpPage, DbProblem, DbRepairResult, DumpKind } from '../../protocol/db.js';
import { BlanketError } from '../../protocol/errors.js';
import { STATES, type State, type Task } from '../../protocol/model.js';
import { pad } from './keys.js';
import { PARTIAL } from './backup.js';
import type { DumpQuery } from './dump.js';
import { DERIVED_COLUMNS, PG_LATEST_SCHEMA, ROW_COLUMNS, rowOf } from './pg-schema.js';
import { toStoreError } from './pg-errors.js';
import type { StoreAdmin } from './store.js';

export interface PgAdminHost {
  pool(): pg.Pool;
  url: string;
  /** The URL with the password masked. */
  where: string;
  counts(): Record<State, number>;
  /** Load the in-memory mirrors again (after a repair). */
  reload(): Promise<void>;
}

const PAGE = 1000;
const MAX_PROBLEMS = 1000;

/** pg_dump on PATH, else the newest under /usr/lib/postgresql/VERSION/bin. */
export function findPgDump(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_dump')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(root, versions[0]!, 'bin', 'pg_dump');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && existsSync(path.join(dir, 'pg_dump'))) return path.join(dir, 'pg_dump');
  return undefined;
}

/** Normalise a column's value as PostgreSQL returns it (bigint as text) for comparison. */
function norm(v: unknown): string {
  return Array.isArray(v) ? JSON.stringify(v) : v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Every task row, a page at a time, by id. */
async function* taskRows(pool: pg.Pool): AsyncGenerator<Record<string, unknown>> {
  let after = '';
  for (;;) {
    const rows = (await pool.query(`SELECT ${ROW_COLUMNS.join(', ')} FROM tasks WHERE id > $1 ORDER BY id LIMIT ${PAGE}`, [after])).rows;
    for (const r of rows) yield r;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id as string;
  }
}

async function check(host: PgAdminHost): Promise<DbCheckResult> {
  const started = Date.now();
  const pool = host.pool();
  const problems: DbProblem[] = [];
  let more = 0;
  const problem = (p: DbProblem) => (problems.length < MAX_PROBLEMS ? problems.push(p) : more++);
  const version = Number((await pool.query('SELECT coalesce(max(version), 0) AS v FROM blanket_schema')).rows[0].v);
  if (version !== PG_LATEST_SCHEMA) problem({ kind: 'meta', message: `schema version ${version}, this blanket writes ${PG_LATEST_SCHEMA}` });
  const tally = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
  const groups = new Set<string>();
  let tasks = 0;
  for await (const row of taskRows(pool)) {
    tasks++;
    const body = row.body as Task;
    if (body?.id !== row.id || !STATES.includes(body.state)) {
      problem({ kind: 'record', key: `t!${String(row.id)}`, message: `the row ${String(row.id)} does not hold a task of that id` });
      continue;
    }
    tally[body.state]++;
    const want = rowOf(body);
    for (const col of DERIVED_COLUMNS) {
      const i = ROW_COLUMNS.indexOf(col);
      if (norm(row[col]) !== norm(want[i])) problem({ kind: 'index', key: `t!${body.id}`, message: `${col} is ${norm(row[col])}, the task says ${norm(want[i])}` });
    }
    if (typeof row.grp === 'string') groups.add(row.grp);
  }
  const registered = new Set((await pool.query<{ grp: string }>('SELECT grp FROM queue_groups')).rows.map((r) => r.grp));
  for (const g of groups)
    if (!registered.has(g)) problem({ kind: 'group', key: `g!${g}`, message: `queue group ${g} has runnable tasks but is not registered: no claim would find them` });
  const counts = host.counts();
  for (const s of STATES) if (counts[s] !== tally[s]) problem({ kind: 'counter', key: `c!${s}`, message: `the daemon counts ${counts[s]} ${s}, the rows say ${tally[s]}` });
  const bytes = Number((await pool.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b);
  const keys = Number(
    (
      await pool.query(
        'SELECT (SELECT count(*) FROM queue_groups) + (SELECT count(*) FROM schedules) + (SELECT count(*) FROM stored_types) + (SELECT count(*) FROM stats_samples) AS n',
      )
    ).rows[0].n,
  );
  return {
    ok: problems.length === 0,
    location: host.where,
    via: 'daemon',
    tasks,
    keys: tasks + keys,
    counts: tally,
    files: { tables: 0, logs: 0, blocks: 0, bytes },
    problems,
    moreProblems: more,
    ms: Date.now() - started,
  };
}

/** pg_dump (custom format) into DEST/blanket.pgdump, written under DEST.partial and renamed when whole. */
async function backup(host: PgAdminHost, dest: string): Promise<{ path: string; keys: number; tasks: number; bytes: number }> {
  const pgDump = findPgDump();
  if (!pgDump) {
    throw new BlanketError('EXECUTOR_MISSING', `cannot back up the PostgreSQL store at ${host.where}: pg_dump is not installed (not on PATH nor under /usr/lib/postgresql/*/bin)`, {
      hint: 'install the PostgreSQL client tools (apt-get install postgresql-client), or back the database up with your own PostgreSQL tooling',
    });
  }
  try {
    if ((await readdir(dest)).length > 0) throw new BlanketError('EXISTS', `${dest} exists and is not empty`, { hint: 'give a new directory for the backup' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const partial = `${dest}${PARTIAL}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o700 });
  const n = (
    await host
      .pool()
      .query(
        'SELECT (SELECT count(*) FROM tasks)::int AS tasks, ((SELECT count(*) FROM schedules) + (SELECT count(*) FROM stored_types) + (SELECT count(*) FROM stats_samples))::int AS other',
      )
  ).rows[0];
  const u = new URL(host.url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const file = path.join(partial, 'blanket.pgdump');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(pgDump, ['--format=custom', '--no-owner', '--file', file, '--dbname', u.toString()], {
        env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new BlanketError('STORE_UNAVAILABLE', `pg_dump of ${host.where} failed (exit ${code}): ${err.trim()}`, { hint: 'nothing was changed; see the message above' })),
      );
    });
    const bytes = (await stat(file)).size;
    await rename(partial, dest);
    return { path: dest, keys: n.tasks + n.other, tasks: n.tasks, bytes };
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

async function repair(host: PgAdminHost, backupDir: string): Promise<DbRepairResult> {
  const started = Date.now();
  const before = await check(host);
  await backup(host, backupDir);
  const pool = host.pool();
  const set = ROW_COLUMNS.slice(1)
    .map((col, i) => `${col} = $${i + 2}`)
    .join(', ');
  let rewritten = 0;
  let tasks = 0;
  for await (const row of taskRows(pool)) {
    const body = row.body as Task;
    if (body?.id !== row.id) continue;
    tasks++;
    const want = rowOf(body);
    if (DERIVED_COLUMNS.every((col) => norm(row[col]) === norm(want[ROW_COLUMNS.indexOf(col)]))) continue;
    // Marked changed by no daemon: every daemon sharing the store re-reads its counts at its next catch-up.
    await pool.query(`UPDATE tasks SET ${set}, changed_by = pg_current_xact_id(), changed_host = NULL WHERE id = $1`, want);
    rewritten++;
  }
  const added = await pool.query(
    `INSERT INTO queue_groups (grp, tags, type)
     SELECT g, coalesce(string_to_array(nullif(split_part(g, '|', 1), ''), ','), '{}'), split_part(g, '|', 2) FROM (SELECT DISTINCT grp AS g FROM tasks WHERE grp IS NOT NULL) x
     ON CONFLICT DO NOTHING`,
  );
  await host.reload();
  const after = await check(host);
  return {
    via: 'daemon',
    location: host.where,
    backup: backupDir,
    leveldbRepaired: false,
    dropped: [],
    tasks,
    removed: [],
    removedCount: 0,
    rebuilt: { indexKeys: rewritten, counters: STATES.length, groups: added.rowCount ?? 0 },
    problemsBefore: before.problems.length + before.moreProblems,
    problemsAfter: after.problems.length + after.moreProblems,
    ms: Date.now() - started,
  };
}

interface Entry {
  key: string;
  value: unknown;
}

/** The dump's sources in key order: [prefix, kind, entries from after `after` (a key), at most n]. */
function sources(host: PgAdminHost, q: DumpQuery): Array<[string, Exclude<DumpKind, 'all'>, (after: string, n: number) => Promise<Entry[]>]> {
  const pool = host.pool();
  const small = (list: () => Promise<Entry[]>) => async (after: string, n: number) => (await list()).filter((e) => e.key > after).slice(0, n);
  const rows = (text: string, f: (r: Record<string, unknown>) => Entry) => async () => (await pool.query(text)).rows.map(f);
  const tasks = (f: (r: Record<string, unknown>) => unknown) => async (after: string, n: number) => {
    const from = q.kind === 'task' && q.from !== undefined ? q.from : '';
    const id = after.length > 2 && after > `t!${from}` ? after.slice(2) : undefined;
    const to = q.kind === 'task' && q.to !== undefined ? q.to : undefined;
    const args: unknown[] = [id ?? from];
    let where = id !== undefined ? 'id > $1' : 'id >= $1';
    if (to !== undefined) {
      args.push(to);
      where += ` AND (id <= $2 OR starts_with(id, $2))`;
    }
    const r = await pool.query(`SELECT ${ROW_COLUMNS.join(', ')} FROM tasks WHERE ${where} ORDER BY id LIMIT ${n}`, args);
    return r.rows.map((row) => ({ key: `t!${String(row.id)}`, value: f(row) }));
  };
  return [
    ['c!', 'meta', small(async () => STATES.map((s) => ({ key: `c!${s}`, value: host.counts()[s] })).sort((a, b) => (a.key < b.key ? -1 : 1)))],
    ['g!', 'meta', small(rows('SELECT grp FROM queue_groups ORDER BY grp', (r) => ({ key: `g!${String(r.grp)}`, value: '' })))],
    ['h!', 'meta', small(rows('SELECT at, body FROM stats_samples ORDER BY at', (r) => ({ key: `h!${pad(Number(r.at))}`, value: r.body })))],
    [
      'm!',
      'meta',
      small(async () => [
        { key: 'm!lastid', value: (await pool.query("SELECT value FROM blanket_meta WHERE key = 'last_id'")).rows[0]?.value ?? null },
        { key: 'm!schema', value: Number((await pool.query('SELECT coalesce(max(version), 0) AS v FROM blanket_schema')).rows[0].v) },
      ]),
    ],
    ['sc!', 'meta', small(rows('SELECT name, body FROM schedules ORDER BY name', (r) => ({ key: `sc!${String(r.name)}`, value: r.body })))],
    ['t!', 'task', tasks((r) => r.body)],
    // The derived columns of each task, under x!ID (the "index" of this backend).
    [
      'x!',
      'index',
      async (after, n) =>
        (await tasks((r) => Object.fromEntries(DERIVED_COLUMNS.map((c) => [c, r[c]])))(after.startsWith('x!') ? `t!${after.slice(2)}` : '', n)).map((e) => ({
          key: `x!${e.key.slice(2)}`,
          value: e.value,
        })),
    ],
    ['y!', 'meta', small(rows('SELECT name, body FROM stored_types ORDER BY name', (r) => ({ key: `y!${String(r.name)}`, value: r.body })))],
  ];
}

async function dump(host: PgAdminHost, q: DumpQuery): Promise<DbDumpPage> {
  const records: unknown[] = [];
  let last: string | undefined;
  const after = q.after ?? '';
  for (const [prefix, kind, page] of sources(host, q)) {
    if (q.kind !== 'all' && q.kind !== kind) continue;
    if (after >= `${prefix}\xff`) continue;
    const entries = await page(after.startsWith(prefix) ? after : '', q.limit - records.length);
    for (const e of entries) {
      records.push(q.kind === 'task' ? e.value : e);
      last = e.key;
    }
    if (records.length >= q.limit) break;
  }
  return records.length >= q.limit && last !== undefined ? { records, next: last } : { records };
}

export function pgAdmin(host: PgAdminHost): StoreAdmin {
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        throw toStoreError(err, host.where);
      }
    };
  return {
    check: wrap(() => check(host)),
    backup: wrap((dest: string) => backup(host, dest)),
    repair: wrap((dir: string) => repair(host, dir)),
    dump: wrap((q: DumpQuery) => dump(host, q)),
  };
}
