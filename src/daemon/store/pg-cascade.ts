// A task event inside a PostgreSQL transaction: the task's transition, and every dependent it
// settles (SKIPPED or released), transitively; each row it reads is locked (FOR UPDATE).
import type pg from 'pg';
import type { Task } from '../../protocol/model.js';
import type { TaskEvent } from '../../core/states.js';
import { cascade as settle } from './cascade.js';
import type { Change } from './store.js';

type Client = pg.PoolClient;

/** The change an event makes, plus every dependent it settles (transitively); each row read is locked. */
export function cascade(c: Client, task: Task, event: TaskEvent, olds: Map<string, Task>, random?: () => number): Promise<Change[]> {
  return settle(task, event, (random ?? Math.random)(), async (id) => {
    const rows = (await c.query<{ body: Task }>("SELECT body FROM tasks WHERE after_ids @> ARRAY[$1]::text[] AND state = 'WAITING' ORDER BY id FOR UPDATE", [id])).rows;
    for (const { body } of rows) if (!olds.has(body.id)) olds.set(body.id, body);
    return rows.map((r) => r.body);
  });
}
