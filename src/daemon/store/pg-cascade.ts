// A task event inside a PostgreSQL transaction: the task's transition, and every dependent it
// settles (SKIPPED or released), transitively; each row it reads is locked (FOR UPDATE).
import type pg from 'pg';
import type { Task } from '../../protocol/model.js';
import type { TaskEvent } from '../../core/states.js';
import { cascade as settle } from './cascade.js';
import type { Change } from './store.js';
import { joined, results } from './pg-sql.js';

type Client = pg.PoolClient;

/** The statement that reads (and locks) the waiting dependents of a task: run after the task's own lock, in a statement of its own. */
export const WAITING_DEPENDENTS = "SELECT body FROM tasks WHERE cardinality(after_ids) > 0 AND after_ids @> ARRAY[$1]::text[] AND state = 'WAITING' ORDER BY id FOR UPDATE";

/** Events that may end a task, and so settle its dependents. */
export function mayEnd(event: TaskEvent): boolean {
  return event.type !== 'claim' && event.type !== 'start' && event.type !== 'progress' && event.type !== 'due';
}

/**
 * The change an event makes, plus every dependent it settles (transitively); each row read is
 * locked. `dependents`: the task's waiting dependents, when already read with WAITING_DEPENDENTS.
 */
export function cascade(c: Client, task: Task, event: TaskEvent, olds: Map<string, Task>, random?: () => number, dependents?: Task[]): Promise<Change[]> {
  return settle(task, event, (random ?? Math.random)(), async (id) => {
    const rows = id === task.id && dependents !== undefined ? dependents : (await c.query<{ body: Task }>(WAITING_DEPENDENTS, [id])).rows.map((r) => r.body);
    for (const body of rows) if (!olds.has(body.id)) olds.set(body.id, body);
    return rows;
  });
}

/**
 * A task, locked, and with `withDependents` its waiting dependents (locked too, after it: each
 * statement of the query takes its snapshot once the one before has its locks), in one round trip.
 */
export async function lockTask(c: Client, id: string, withDependents: boolean): Promise<[Task | undefined, Task[] | undefined]> {
  const statements: Array<[string, string[]]> = [['SELECT body FROM tasks WHERE id = $1 FOR UPDATE', [id]]];
  if (withDependents) statements.push([WAITING_DEPENDENTS, [id]]);
  const r = results(await c.query(joined(statements)));
  const task = (r[0]!.rows[0] as { body: Task } | undefined)?.body;
  return [task, withDependents && task ? r[1]!.rows.map((x: { body: Task }) => x.body) : undefined];
}
