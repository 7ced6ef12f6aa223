// Writes the PostgreSQL store's transactions share: new task rows, and the queue-group list
// kept with them. What a transaction changes in the in-memory mirrors is gathered in a Delta.
import type pg from 'pg';
import type { State, Task } from '../../protocol/model.js';
import { groupOf, isRunnable } from './keys.js';
import { ROW_COLUMNS, rowOf } from './pg-schema.js';

type Client = pg.PoolClient;

export /** What a transaction changes in the in-memory mirrors, applied once it has committed. */
interface Delta {
  counts: Partial<Record<State, number>>;
  byType: Array<[type: string, state: State, by: number]>;
  groupsChanged: boolean;
}

const INSERT_CHUNK = 1000;

export function bump(d: Delta, t: Task, by: number): void {
  d.counts[t.state] = (d.counts[t.state] ?? 0) + by;
  d.byType.push([t.type, t.state, by]);
}

async function insertTasks(c: Client, tasks: Task[]): Promise<void> {
  if (tasks.length === 0) return;
  const values: unknown[] = [];
  const rows = tasks.map((t) => {
    const row = rowOf(t);
    const base = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  await c.query(`INSERT INTO tasks (${ROW_COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`, values);
}

/** Insert tasks new to the store (submitted, or restored from the archive): rows, counts and their queue groups. */
export async function insertNew(c: Client, tasks: Task[], d: Delta): Promise<void> {
  for (let i = 0; i < tasks.length; i += INSERT_CHUNK) await insertTasks(c, tasks.slice(i, i + INSERT_CHUNK));
  const groups = new Set<string>();
  for (const t of tasks) {
    bump(d, t, 1);
    if (isRunnable(t)) groups.add(groupOf(t));
  }
  await addGroups(c, groups, d);
}

/**
 * Register queue groups that gain a runnable task. The shared advisory lock (per group, held to
 * the commit) keeps dropEmptyGroups in another transaction from removing the group between
 * its emptiness check and this commit.
 */
export async function addGroups(c: Client, groups: Set<string>, d: Delta): Promise<void> {
  if (groups.size === 0) return;
  const list = [...groups].sort();
  await c.query('SELECT pg_advisory_xact_lock_shared(hashtextextended(g, 0)) FROM unnest($1::text[]) g', [list]);
  const r = await c.query(
    `INSERT INTO queue_groups (grp, tags, type)
     SELECT g, coalesce(string_to_array(nullif(split_part(g, '|', 1), ''), ','), '{}'), split_part(g, '|', 2) FROM unnest($1::text[]) g
     ON CONFLICT DO NOTHING`,
    [list],
  );
  if ((r.rowCount ?? 0) > 0) d.groupsChanged = true;
}

/** Forget queue groups this transaction left without a runnable task. */
export async function dropEmptyGroups(c: Client, groups: Set<string>, d: Delta): Promise<void> {
  for (const g of [...groups].sort()) {
    // Most often the group still has tasks: one index probe, no lock.
    if ((await c.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM tasks WHERE grp = $1) AS any', [g])).rows[0]!.any) continue;
    // Then under the group's lock, in a statement of its own (a snapshot taken after the lock).
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [g]);
    const r = await c.query('DELETE FROM queue_groups WHERE grp = $1 AND NOT EXISTS (SELECT 1 FROM tasks WHERE grp = $1)', [g]);
    if ((r.rowCount ?? 0) > 0) d.groupsChanged = true;
  }
}

export async function upsertRecord(c: Client, table: 'schedules' | 'stored_types', name: string, body: unknown): Promise<void> {
  await c.query(`INSERT INTO ${table} (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`, [name, JSON.stringify(body)]);
}
