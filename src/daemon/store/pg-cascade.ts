// A task event inside a PostgreSQL transaction: the task's transition, and every dependent it
// settles (SKIPPED or released), transitively; each row it reads is locked (FOR UPDATE).
import type pg from 'pg';
import { isTerminal, type Task } from '../../protocol/model.js';
import { transition, type TaskEvent } from '../../core/states.js';
import { StoreError, type Change } from './store.js';
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
export async function cascade(c: Client, task: Task, event: TaskEvent, olds: Map<string, Task>, random?: () => number, dependents?: Task[]): Promise<Change[]> {
  const res = transition(task, event, { random: (random ?? Math.random)() });
  if (!res.ok) throw new StoreError(res.error, res.stale ? 'stale' : 'invalid-state');
  const changes: Change[] = [{ task: res.task, from: task.state }];
  const overlay = new Map<string, Task>([[task.id, res.task]]);
  const queue = isTerminal(res.task.state) && !isTerminal(task.state) ? [res.task] : [];
  while (queue.length) {
    const done = queue.shift()!;
    const rows = done.id === task.id && dependents !== undefined ? dependents.map((body) => ({ body })) : (await c.query<{ body: Task }>(WAITING_DEPENDENTS, [done.id])).rows;
    for (const { body } of rows) {
      if (!olds.has(body.id)) olds.set(body.id, body);
      const dep = overlay.get(body.id) ?? body;
      if (dep.state !== 'WAITING' || !dep.waitingOn.includes(done.id)) continue;
      const r = transition(
        dep,
        { type: 'dependency', at: event.at, dep: done.id, depState: done.state as never, ...(done.reason !== undefined ? { depReason: done.reason } : {}) },
        { random: 0 },
      );
      if (!r.ok) continue;
      const prev = changes.find((x) => x.task.id === dep.id);
      if (prev) prev.task = r.task;
      else changes.push({ task: r.task, from: dep.state });
      overlay.set(dep.id, r.task);
      if (isTerminal(r.task.state)) queue.push(r.task);
    }
  }
  return changes;
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
