// A task's birth and its events, as both stores write them: a new task from its draft, settled
// against its dependencies, and an event's transition plus every dependent it releases or skips
// (SKIPPED), transitively. Each store says how it reads a task or the dependents still waiting
// on one (LevelDB by its index, PostgreSQL by a locking query).
import path from 'node:path';
import { isTerminal, type Task } from '../../protocol/model.js';
import { skipReason, transition, type TaskEvent } from '../../core/states.js';
import { StoreError, type Change, type TaskDraft } from './store.js';

/**
 * A new task from its draft: WAITING, waiting on each dependency not yet ended, SKIPPED when one
 * ended other than SUCCESS. `depOf` reads a dependency (this batch's tasks first); none is not-found.
 */
export async function newTask(draft: TaskDraft, id: string, now: number, resultsRoot: string, depOf: (id: string) => Promise<Task | undefined>): Promise<Task> {
  let task: Task = {
    ...draft,
    id,
    resultDir: path.join(resultsRoot, id),
    createdAt: now,
    updatedAt: now,
    state: 'WAITING',
    attempt: 1,
    attempts: [],
    waitingOn: [],
  };
  for (const dep of draft.after) {
    const depTask = await depOf(dep);
    if (!depTask) throw new StoreError(`no task ${dep} to wait for`, 'not-found');
    if (!isTerminal(depTask.state)) task.waitingOn.push(dep);
    else if (depTask.state !== 'SUCCESS' && task.state === 'WAITING') task = { ...task, state: 'SKIPPED', endedAt: now, reason: skipReason(dep, depTask.state, depTask.reason) };
  }
  return task;
}

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
