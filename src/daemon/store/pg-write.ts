// The PostgreSQL store's writes inside a transaction: rows inserted and updated (with the
// transaction and host that changed them, for peers' catch-up), queue groups kept, and each
// change noted for the mirrors and for the notification peers hear at the commit. Updates and
// group upkeep are queued on the Delta (its tail) and sent with the COMMIT in one round trip
// (pg-tx.ts): nothing in a transaction reads them back before it commits.
import type pg from 'pg';
import type { ScheduleRecord, State, Task } from '../../protocol/model.js';
import { groupOf, isRunnable } from './keys.js';
import { ROW_COLUMNS, rowOf } from './pg-schema.js';
import { StoreError, type Change } from './store.js';

type Client = pg.PoolClient;

/** One change as peers hear of it: id, state before (null: new), state after (null: removed), type. */
export type Note = [id: string, from: State | null, to: State | null, type: string];

/** What a transaction changes in the in-memory mirrors, applied once it has committed; `notes` are sent to peers at its commit. */
export interface Delta {
  byType: Array<[type: string, state: State, by: number]>;
  groupsChanged: boolean;
  notes: Note[];
  /** This daemon's name, written as changed_host of every row it changes. */
  host: string | null;
  /** The transaction's id (xid8 as text), when it changed tasks. */
  xid?: string;
  /** Statements to run at the end of the transaction, with its COMMIT; one returning a column `changed_groups` > 0 changed the queue groups. */
  tail: Array<readonly [text: string, values?: readonly unknown[]]>;
}

const INSERT_CHUNK = 1000;

/**
 * blanket_put_task's parameter types (migration 8: ROW_COLUMNS, then changed_host). Each value is
 * cast as an UPDATE assigns it (a fractional time to bigint is rounded), and the call names the
 * one function whatever the values look like.
 */
const PUT_TYPES = ['text', 'jsonb', 'text', 'text', 'text', 'integer', 'integer', 'bigint', 'text', 'bigint', 'boolean', 'bigint', 'text', 'text', 'text[]', 'text', 'text'];
if (PUT_TYPES.length !== ROW_COLUMNS.length + 1) throw new Error('blanket_put_task: a parameter type per row column and changed_host');

export function newDelta(host: string | null): Delta {
  return { byType: [], groupsChanged: false, notes: [], host, tail: [] };
}

export function bump(d: Delta, t: Task, by: number): void {
  d.byType.push([t.type, t.state, by]);
}

async function insertTasks(c: Client, tasks: Task[], d: Delta): Promise<void> {
  if (tasks.length === 0) return;
  const values: unknown[] = [];
  const rows = tasks.map((t) => {
    const row = rowOf(t);
    const base = values.length;
    values.push(...row, d.host);
    d.notes.push([t.id, null, t.state, t.type]);
    return `(${[...row, null].map((_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  await c.query(`INSERT INTO tasks (${ROW_COLUMNS.join(', ')}, changed_host) VALUES ${rows.join(', ')}`, values);
}

/** Insert tasks new to the store (submitted, or restored from the archive): rows, counts, notes for peers and their queue groups. */
export async function insertNew(c: Client, tasks: Task[], d: Delta): Promise<void> {
  for (let i = 0; i < tasks.length; i += INSERT_CHUNK) await insertTasks(c, tasks.slice(i, i + INSERT_CHUNK), d);
  const groups = new Set<string>();
  for (const t of tasks) {
    bump(d, t, 1);
    if (isRunnable(t)) groups.add(groupOf(t));
  }
  addGroups(groups, d);
}

/** Write changed tasks (each already locked, its old version in `olds`) and keep the groups, at the commit. */
export function writeChanges(changes: Change[], olds: Map<string, Task>, d: Delta): void {
  const added = new Set<string>();
  const left = new Set<string>();
  const args = PUT_TYPES.map((type, i) => `$${i + 1}::${type}`).join(', ');
  for (const { task } of changes) {
    const old = olds.get(task.id);
    // blanket_put_task (migration 8): the UPDATE's plan is kept per connection, not made at each write.
    d.tail.push([`SELECT blanket_put_task(${args})`, [...rowOf(task), d.host]]);
    d.notes.push([task.id, old?.state ?? null, task.state, task.type]);
    if (old) bump(d, old, -1);
    bump(d, task, 1);
    const was = old && isRunnable(old) ? groupOf(old) : undefined;
    const is = isRunnable(task) ? groupOf(task) : undefined;
    if (was !== is) {
      if (is !== undefined) added.add(is);
      if (was !== undefined) left.add(was);
    }
  }
  addGroups(added, d);
  for (const g of added) left.delete(g);
  dropEmptyGroups(left, d);
}

/** Delete tasks (each already locked, none claimed or running): rows, counts, notes for peers, and the groups they leave empty. */
export async function deleteTasks(c: Client, gone: Task[], d: Delta): Promise<void> {
  if (gone.length === 0) return;
  await c.query('DELETE FROM tasks WHERE id = ANY($1::text[])', [gone.map((t) => t.id)]);
  const groups = new Set<string>();
  for (const t of gone) {
    bump(d, t, -1);
    d.notes.push([t.id, t.state, null, t.type]);
    if (isRunnable(t)) groups.add(groupOf(t));
  }
  dropEmptyGroups(groups, d);
}

/**
 * Register queue groups that gain a runnable task (at the commit). The shared advisory lock (per
 * group, held to the commit) keeps dropEmptyGroups in another transaction from removing the group
 * between its emptiness check and this commit.
 */
export function addGroups(groups: Set<string>, d: Delta): void {
  if (groups.size === 0) return;
  const list = [...groups].sort();
  d.tail.push(['SELECT pg_advisory_xact_lock_shared(hashtextextended(g, 0)) FROM unnest($1::text[]) g', [list]]);
  d.tail.push([
    `WITH i AS (INSERT INTO queue_groups (grp, tags, type)
     SELECT g, coalesce(string_to_array(nullif(split_part(g, '|', 1), ''), ','), '{}'), split_part(g, '|', 2) FROM unnest($1::text[]) g
     ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*)::int AS changed_groups FROM i`,
    [list],
  ]);
}

/**
 * Forget queue groups this transaction left without a runnable task (at the commit):
 * blanket_drop_empty_groups (pg-schema.ts, migration 5) probes each group, and only an empty one
 * is deleted, under the group's lock, by a statement whose snapshot is taken after that lock.
 */
export function dropEmptyGroups(groups: Set<string>, d: Delta): void {
  if (groups.size === 0) return;
  d.tail.push(['SELECT blanket_drop_empty_groups($1::text[]) AS changed_groups', [[...groups].sort()]]);
}

export async function upsertRecord(c: Client, table: 'schedules' | 'stored_types', name: string, body: unknown): Promise<void> {
  await c.query(`INSERT INTO ${table} (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`, [name, JSON.stringify(body)]);
}

/**
 * Write a schedule record with the fires whose tasks this batch makes. Under the row's lock, each
 * fire must still be undecided (after the stored cursor, or queued): another daemon on the same
 * store that made it first wins, and this batch is refused (stale), so a fire makes one task.
 */
export async function writeFire(c: Client, sc: ScheduleRecord, fires: number[]): Promise<void> {
  const stored = (await c.query<{ body: ScheduleRecord }>('SELECT body FROM schedules WHERE name = $1 FOR UPDATE', [sc.name])).rows[0]?.body;
  if (stored) {
    for (const f of fires) {
      if (f <= stored.cursor && !stored.queued.includes(f))
        throw new StoreError(`schedule ${sc.name}: the fire at ${new Date(f).toISOString()} was already made by another daemon`, 'stale');
    }
  }
  if (!stored) return upsertRecord(c, 'schedules', sc.name, sc);
  if (fires.length === 0) return upsertRecord(c, 'schedules', sc.name, { ...sc, cursor: Math.max(stored.cursor, sc.cursor) });
  // A fire owns only the fire state: the rest (paused, the expression, the task) is the stored one, which another daemon may have changed.
  await upsertRecord(c, 'schedules', sc.name, {
    ...stored,
    cursor: Math.max(stored.cursor, sc.cursor),
    queued: stored.queued.filter((q) => !fires.includes(q)),
    updatedAt: Math.max(stored.updatedAt, sc.updatedAt),
  });
}
