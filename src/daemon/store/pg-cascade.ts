// A task event inside a PostgreSQL transaction: the task's transition, and every dependent it
// settles (SKIPPED or released), transitively; each row it reads is locked (FOR UPDATE).
import type pg from 'pg';
import { isTerminal, type Task } from '../../protocol/model.js';
import { transition, type TaskEvent } from '../../core/states.js';
import { StoreError, type Change } from './store.js';

type Client = pg.PoolClient;

/** The change an event makes, plus every dependent it settles (transitively); each row read is locked. */
export async function cascade(c: Client, task: Task, event: TaskEvent, olds: Map<string, Task>, random?: () => number): Promise<Change[]> {
  const res = transition(task, event, { random: (random ?? Math.random)() });
  if (!res.ok) throw new StoreError(res.error, res.stale ? 'stale' : 'invalid-state');
  const changes: Change[] = [{ task: res.task, from: task.state }];
  const overlay = new Map<string, Task>([[task.id, res.task]]);
  const queue = isTerminal(res.task.state) && !isTerminal(task.state) ? [res.task] : [];
  while (queue.length) {
    const done = queue.shift()!;
    const rows = (await c.query<{ body: Task }>("SELECT body FROM tasks WHERE after_ids @> ARRAY[$1]::text[] AND state = 'WAITING' ORDER BY id FOR UPDATE", [done.id])).rows;
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
