// The PostgreSQL store's schema: versioned migrations, each in one transaction under an
// advisory lock (two daemons starting at once do not race), and the derived columns of a
// task row, computed from the task (its JSON) by rowOf(): the one place they are defined.
import type pg from 'pg';
import { isTerminal, type Task } from '../../protocol/model.js';
import { groupOf, isRunnable } from './keys.js';
import { StoreError } from './store.js';

/** The advisory lock key of schema changes (any fixed number; "blanket" in ASCII, cut to 53 bits). */
export const SCHEMA_LOCK = 0x626c616e6b6574 % 2 ** 53;

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

// Ids, types, labels and groups sort by bytes (COLLATE "C"), as LevelDB's keys do.
export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    description: 'tasks (JSON plus indexed derived columns), queue groups, per-type locks, schedules, stored types, stats samples, meta',
    sql: `
CREATE TABLE blanket_meta (key text PRIMARY KEY, value jsonb NOT NULL);
INSERT INTO blanket_meta (key, value) VALUES ('last_id', 'null');
CREATE TABLE tasks (
  id text COLLATE "C" PRIMARY KEY,
  body jsonb NOT NULL,
  state text NOT NULL,
  type text COLLATE "C" NOT NULL,
  label text COLLATE "C",
  priority integer NOT NULL,
  attempt integer NOT NULL,
  created_at bigint NOT NULL,
  grp text COLLATE "C",
  not_before bigint,
  blocked boolean NOT NULL,
  ended_at bigint,
  worker text COLLATE "C",
  schedule text COLLATE "C",
  after_ids text[] NOT NULL
);
CREATE INDEX tasks_queue ON tasks (grp, priority DESC, id) WHERE grp IS NOT NULL;
CREATE INDEX tasks_run_order ON tasks (priority DESC, id) WHERE grp IS NOT NULL;
CREATE INDEX tasks_due ON tasks (not_before, id) WHERE not_before IS NOT NULL;
CREATE INDEX tasks_blocked ON tasks (id) WHERE blocked;
CREATE INDEX tasks_state ON tasks (state, id);
CREATE INDEX tasks_type_state ON tasks (type, state, id);
CREATE INDEX tasks_label_state ON tasks (label, state, id) WHERE label IS NOT NULL;
CREATE INDEX tasks_finished ON tasks (ended_at, id) WHERE ended_at IS NOT NULL;
CREATE INDEX tasks_worker ON tasks (worker, id) WHERE worker IS NOT NULL;
CREATE INDEX tasks_schedule ON tasks (schedule, id) WHERE schedule IS NOT NULL;
CREATE INDEX tasks_after ON tasks USING gin (after_ids);
CREATE TABLE queue_groups (grp text COLLATE "C" PRIMARY KEY, tags text[] NOT NULL, type text NOT NULL);
CREATE TABLE type_locks (type text COLLATE "C" PRIMARY KEY);
CREATE TABLE schedules (name text COLLATE "C" PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE stored_types (name text COLLATE "C" PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE stats_samples (at bigint PRIMARY KEY, body jsonb NOT NULL);
`,
  },
  {
    version: 2,
    description: 'rate-limit windows per type; queue groups of labelled tasks carry the label (fair share between labels)',
    sql: `
CREATE TABLE rate_windows (type text COLLATE "C" PRIMARY KEY, starts jsonb NOT NULL);
UPDATE tasks SET grp = grp || '|' || replace(replace(label, '%', '%25'), '!', '%21') WHERE grp IS NOT NULL AND label IS NOT NULL;
INSERT INTO queue_groups (grp, tags, type)
  SELECT DISTINCT grp, coalesce(string_to_array(nullif(split_part(grp, '|', 1), ''), ','), '{}'), split_part(grp, '|', 2) FROM tasks WHERE grp IS NOT NULL
  ON CONFLICT DO NOTHING;
DELETE FROM queue_groups g WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.grp = g.grp);
`,
  },
  {
    version: 3,
    description: 'peers: the host holding a claimed or running task, the transaction and host of each row change (catch-up of missed notifications), host leases',
    sql: `
ALTER TABLE tasks ADD COLUMN host text COLLATE "C";
ALTER TABLE tasks ADD COLUMN changed_by xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE tasks ADD COLUMN changed_host text COLLATE "C";
CREATE INDEX tasks_host ON tasks (host, id) WHERE host IS NOT NULL;
CREATE INDEX tasks_changed ON tasks (changed_by);
CREATE TABLE hosts (
  name text COLLATE "C" PRIMARY KEY,
  pid integer NOT NULL,
  lease_until timestamptz NOT NULL,
  gone boolean NOT NULL DEFAULT false,
  address text,
  registered_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    description: "peers serve output: each host's TLS certificate fingerprint, beside its address",
    sql: `ALTER TABLE hosts ADD COLUMN fingerprint text;`,
  },
  {
    version: 5,
    description: 'blanket_drop_empty_groups (queue-group upkeep in the statement that commits); the dependents index only of tasks with dependencies, without a pending list',
    // VOLATILE (the default): each statement in it takes a fresh snapshot, so the DELETE sees
    // what committed before the group's lock was granted.
    sql: `
CREATE FUNCTION blanket_drop_empty_groups(gs text[]) RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE
  g text;
  k integer;
  n integer := 0;
BEGIN
  FOREACH g IN ARRAY gs LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.grp = g);
    PERFORM pg_advisory_xact_lock(hashtextextended(g, 0));
    DELETE FROM queue_groups q WHERE q.grp = g AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.grp = g);
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END LOOP;
  RETURN n;
END
$f$;
-- Only tasks that wait on others are in the dependents index (cardinality(after_ids) > 0 is in
-- every query that uses it), so most updates leave it alone; without a pending list
-- (fastupdate), which each dependents look-up, made at every end of a task, would read in full.
DROP INDEX tasks_after;
CREATE INDEX tasks_after ON tasks USING gin (after_ids) WITH (fastupdate = off) WHERE cardinality(after_ids) > 0;
`,
  },
  {
    version: 6,
    description: 'claims no longer read the run-order index; the group probe of blanket_drop_empty_groups ordered as the queue index',
    // The run order (ps) is not for claims: with its old predicate (grp IS NOT NULL, implied by a
    // claim's grp = …), the planner took it for a queue head once one group held most rows, and
    // walked every row of other groups ahead of it. `NOT blocked` (true of every runnable task)
    // is not implied by a claim's condition, so a claim reads tasks_queue.
    sql: `
DROP INDEX tasks_run_order;
CREATE INDEX tasks_run_order ON tasks (priority DESC, id) WHERE grp IS NOT NULL AND NOT blocked;
CREATE OR REPLACE FUNCTION blanket_drop_empty_groups(gs text[]) RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE
  g text;
  k integer;
  n integer := 0;
BEGIN
  FOREACH g IN ARRAY gs LOOP
    -- Ordered as tasks_queue is: a plan cached for any group still reads that index, one row.
    PERFORM 1 FROM tasks t WHERE t.grp = g ORDER BY t.priority DESC, t.id LIMIT 1;
    CONTINUE WHEN FOUND;
    PERFORM pg_advisory_xact_lock(hashtextextended(g, 0));
    DELETE FROM queue_groups q WHERE q.grp = g AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.grp = g);
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
  END LOOP;
  RETURN n;
END
$f$;
`,
  },
  {
    version: 7,
    description: "hosts forgotten by `hosts forget` (gone for good: their finished tasks are every daemon's to archive); the time of each lease renewal",
    sql: `
ALTER TABLE hosts ADD COLUMN renewed_at timestamptz;
CREATE TABLE forgotten_hosts (
  name text COLLATE "C" PRIMARY KEY,
  forgotten_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  forgotten_by text NOT NULL
);
`,
  },
  {
    version: 8,
    description: 'blanket_put_task: a task row written by a function whose UPDATE is planned once per connection',
    // A task write sent as an UPDATE was parsed, analysed and planned at each of the three writes
    // of a task's life; planning looked up every index of tasks. Called from a simple query, only
    // the call is parsed; PL/pgSQL keeps the UPDATE's plan for the connection. The parameters are
    // pg-schema.ts ROW_COLUMNS in order, then changed_host.
    sql: `
CREATE FUNCTION blanket_put_task(
  p_id text, p_body jsonb, p_state text, p_type text, p_label text, p_priority integer, p_attempt integer,
  p_created_at bigint, p_grp text, p_not_before bigint, p_blocked boolean, p_ended_at bigint, p_worker text,
  p_schedule text, p_after_ids text[], p_host text, p_changed_host text
) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE tasks SET body = p_body, state = p_state, type = p_type, label = p_label, priority = p_priority,
    attempt = p_attempt, created_at = p_created_at, grp = p_grp, not_before = p_not_before, blocked = p_blocked,
    ended_at = p_ended_at, worker = p_worker, schedule = p_schedule, after_ids = p_after_ids, host = p_host,
    changed_by = pg_current_xact_id(), changed_host = p_changed_host
  WHERE id = p_id;
END
$f$;
CREATE FUNCTION blanket_lock_task(p_id text, p_dependents boolean) RETURNS TABLE (r_body jsonb, r_dependent boolean) LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY SELECT t.body, false FROM tasks t WHERE t.id = p_id FOR UPDATE;
  IF p_dependents AND FOUND THEN
    RETURN QUERY SELECT t.body, true FROM tasks t
      WHERE cardinality(t.after_ids) > 0 AND t.after_ids @> ARRAY[p_id] AND t.state = 'WAITING' ORDER BY t.id FOR UPDATE;
  END IF;
END
$f$;
CREATE FUNCTION blanket_queue_heads(p_tags text[]) RETURNS SETOF jsonb LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY SELECT t.body FROM queue_groups g
    CROSS JOIN LATERAL (SELECT q.body, q.priority, q.id FROM tasks q WHERE q.grp = g.grp ORDER BY q.priority DESC, q.id LIMIT 1 FOR UPDATE SKIP LOCKED) t
    WHERE g.tags <@ p_tags;
END
$f$;
`,
  },
];

export const PG_LATEST_SCHEMA = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;

/** Bring the database to PG_LATEST_SCHEMA; refuse one a newer blanket wrote. */
export async function pgMigrate(pool: pg.Pool, where: string): Promise<void> {
  const c = await pool.connect();
  try {
    for (;;) {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await c.query('CREATE TABLE IF NOT EXISTS blanket_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
        const version = Number((await c.query('SELECT coalesce(max(version), 0) AS v FROM blanket_schema')).rows[0].v);
        if (version > PG_LATEST_SCHEMA) {
          throw new StoreError(
            `the store at ${where} was written by a newer blanket (schema ${version}, this one knows up to ${PG_LATEST_SCHEMA}); upgrade blanket`,
            'newer-schema',
          );
        }
        const next = PG_MIGRATIONS.find((m) => m.version > version);
        if (!next) {
          await c.query('COMMIT');
          return;
        }
        await c.query(next.sql);
        await c.query('INSERT INTO blanket_schema (version, description) VALUES ($1, $2)', [next.version, next.description]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  } finally {
    c.release();
  }
}

/** The derived columns of a task, in the order of ROW_COLUMNS. */
export function rowOf(t: Task): unknown[] {
  const waiting = t.state === 'WAITING';
  return [
    t.id,
    JSON.stringify(t),
    t.state,
    t.type,
    t.label ?? null,
    t.priority,
    t.attempt,
    t.createdAt,
    isRunnable(t) ? groupOf(t) : null,
    waiting && t.notBefore !== undefined ? t.notBefore : null,
    waiting && t.waitingOn.length > 0,
    isTerminal(t.state) ? (t.endedAt ?? t.updatedAt) : null,
    (t.state === 'CLAIMED' || t.state === 'RUNNING') && t.worker !== undefined ? t.worker : null,
    t.schedule?.name ?? null,
    t.after,
    (t.state === 'CLAIMED' || t.state === 'RUNNING') && t.host !== undefined ? t.host : null,
  ];
}

export const ROW_COLUMNS = [
  'id',
  'body',
  'state',
  'type',
  'label',
  'priority',
  'attempt',
  'created_at',
  'grp',
  'not_before',
  'blocked',
  'ended_at',
  'worker',
  'schedule',
  'after_ids',
  'host',
];

/** Derived columns as compared by `db check` (body left out). */
export const DERIVED_COLUMNS = ROW_COLUMNS.filter((c) => c !== 'id' && c !== 'body');
