// A task event inside a PostgreSQL transaction: the task's transition, and every dependent it
// settles (SKIPPED or released), transitively; each row it reads is locked (FOR UPDATE).
import type pg from 'pg';
import type { Task } from '../../protocol/model.js';
import type { TaskEvent } from '../../core/states.js';
import { cascade as settle } from './cascade.js';
import type { Change } from './store.js';

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
 * A task, locked, and with `withDependents` its waiting dependents (locked too, after it), in one
 * round trip: blanket_lock_task (pg-schema.ts, migration 8) runs WAITING_DEPENDENTS' statement once
 * the task's lock is held (a PL/pgSQL statement takes its snapshot when it starts), with plans kept
 * per connection rather than made at each call.
 */
export async function lockTask(c: Client, id: string, withDependents: boolean): Promise<[Task | undefined, Task[] | undefined]> {
  const rows = (await c.query<{ r_body: Task; r_dependent: boolean }>('SELECT r_body, r_dependent FROM blanket_lock_task($1, $2)', [id, withDependents])).rows;
  const task = rows.find((r) => !r.r_dependent)?.r_body;
  return [task, withDependents && task ? rows.filter((r) => r.r_dependent).map((r) => r.r_body) : undefined];
}
