// Waiting for tasks to end: subscribe first, then read their state, so no end is missed.
import type { Client } from '../client/client.js';
import { ID_LENGTH } from '../core/ids.js';
import { BlanketError } from '../protocol/errors.js';
import { isTerminal, type Task } from '../protocol/model.js';
import { taskRemoved } from './errors.js';

export interface WaitOptions {
  onChange?: (t: Task) => void;
  /** The ids are whole and known to have existed (run --wait's own task): not found means removed. */
  existed?: boolean;
}

/** Resolves when every task has ended; rejects with TASK_REMOVED when one is removed first. */
export async function waitForTasks(client: Client, ids: string[], opts: WaitOptions = {}): Promise<Task[]> {
  // Events carry whole ids: a prefix is resolved first (NOT_FOUND / AMBIGUOUS_ID surface here).
  const whole: string[] = [];
  for (const id of ids) whole.push(id.length < ID_LENGTH ? (await client.call('show', { id })).task.id : id);
  const latest = new Map<string, Task>();
  const removed = new Set<string>();
  let done!: () => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => ((done = res), (fail = rej)));
  finished.catch(() => {}); // awaited below; a failure may come before that
  const check = () => {
    if (whole.every((id) => latest.has(id) && isTerminal(latest.get(id)!.state))) done();
  };
  const unsubscribe = await client.subscribe({ ids: whole, kinds: ['task'] }, (e) => {
    if (e.kind === 'task.removed') {
      removed.add(e.id);
      return fail(taskRemoved(e.id));
    }
    if (e.kind !== 'task') return;
    const prev = latest.get(e.task.id);
    if (prev && !newer(e.task, prev)) return;
    latest.set(e.task.id, e.task);
    if (!prev || prev.state !== e.task.state) opts.onChange?.(e.task);
    check();
  });
  client.onClose(() => fail(new BlanketError('DAEMON_UNAVAILABLE', 'lost the daemon while waiting', { hint: 'the tasks go on; wait again with blanket wait' })));
  for (const [i, id] of whole.entries()) {
    let task: Task;
    try {
      ({ task } = await client.call('show', { id }));
    } catch (err) {
      // Gone, but it was there: its removal event came first (events and replies keep their
      // order on the connection), or a prefix resolved above, or the caller knows it existed.
      if (err instanceof BlanketError && err.code === 'NOT_FOUND' && (removed.has(id) || ids[i] !== id || opts.existed)) throw taskRemoved(id);
      throw err;
    }
    const prev = latest.get(task.id);
    if (!prev || newer(task, prev)) latest.set(task.id, task);
  }
  check();
  await finished;
  await unsubscribe().catch(() => {});
  return whole.map((id) => latest.get(id)!);
}

const STAGE: Record<string, number> = { WAITING: 0, CLAIMED: 1, RUNNING: 2 };

/**
 * Is `a` a later version of the task than `b`? A `show` reply can be read before a change whose
 * event reached us first, and a start and an end can share a millisecond: so by attempt, then
 * time, then how far the state has gone (an end is never replaced by the start before it).
 */
export function newer(a: Task, b: Task): boolean {
  const stage = (t: Task) => STAGE[t.state] ?? 3;
  return (a.attempt - b.attempt || a.updatedAt - b.updatedAt || stage(a) - stage(b)) >= 0;
}
