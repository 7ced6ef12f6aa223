// A task event and what it settles: the task's transition, then every dependent it releases or
// skips (SKIPPED), transitively. Shared by both stores; each says how it reads the dependents
// still waiting on a task (LevelDB by its index, PostgreSQL by a locking query).
import { isTerminal, type Task } from '../../protocol/model.js';
import { transition, type TaskEvent } from '../../core/states.js';
import { StoreError, type Change } from './store.js';

/** The tasks that may wait on `id` (the caller's view; ones no longer waiting are skipped here). */
export type DependentsOf = (id: string) => Promise<Task[]>;

/** The change an event makes, plus every dependent it settles (transitively), in order. */
export async function cascade(task: Task, event: TaskEvent, random: number, dependentsOf: DependentsOf): Promise<Change[]> {
  const res = transition(task, event, { random });
  if (!res.ok) throw new StoreError(res.error, res.stale ? 'stale' : 'invalid-state');
  const changes: Change[] = [{ task: res.task, from: task.state }];
  const overlay = new Map<string, Task>([[task.id, res.task]]);
  const queue = isTerminal(res.task.state) && !isTerminal(task.state) ? [res.task] : [];
  while (queue.length) {
    const done = queue.shift()!;
    for (const read of await dependentsOf(done.id)) {
      const dep = overlay.get(read.id) ?? read;
      if (dep.state !== 'WAITING' || !dep.waitingOn.includes(done.id)) continue;
      const r = transition(
        dep,
        { type: 'dependency', at: event.at, dep: done.id, depState: done.state as never, ...(done.reason !== undefined ? { depReason: done.reason } : {}) },
        { random: 0 },
      );
      if (!r.ok) continue;
      const prev = changes.find((c) => c.task.id === dep.id);
      if (prev) prev.task = r.task;
      else changes.push({ task: r.task, from: dep.state });
      overlay.set(dep.id, r.task);
      if (isTerminal(r.task.state)) queue.push(r.task);
    }
  }
  return changes;
}
