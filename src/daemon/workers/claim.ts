// Claims for a worker, one at a time per worker: what `worker.claim`, the claim in
// `worker.finished` and the daemon's offers (see `offer`) share.
import type { Task } from '../../protocol/model.js';
import type { Engine } from '../engine.js';
import type { Logger } from '../log.js';
import type { WorkerRegistry } from './registry.js';

/**
 * Claim up to `max` tasks for a worker, never beyond its free slots as the daemon counts them.
 * One worker's claims run one at a time (a `worker.claim`, the claim in a `worker.finished` and an
 * offer can arrive together), and the count is taken again before each task. Tasks claimed before a
 * failure (a full disk) are returned, not dropped: they are CLAIMED in the store and held for
 * this worker, so losing them from the reply would leave them (and their slots) stuck. Only a
 * failure before the first claim is thrown.
 */
export function claimFor(workers: WorkerRegistry, engine: Engine, workerId: string, max: number): Promise<Task[]> {
  const run = async (): Promise<Task[]> => {
    const tasks: Task[] = [];
    for (;;) {
      const w = workers.get(workerId);
      if (!w || w.state !== 'running' || tasks.length >= max || w.running.length >= w.slots) return tasks;
      let t: Task | undefined;
      try {
        t = await engine.claim(w.id, w.tags);
      } catch (err) {
        if (tasks.length === 0) throw err;
        return tasks;
      }
      if (!t) return tasks;
      tasks.push(t);
    }
  };
  return workers.claims.run(workerId, run);
}

/**
 * Instead of waking a worker that takes offers (so it would ask with `worker.claim`: a round trip
 * and a wait before the spawn), claim for its free slots here and send the tasks in an `offer`.
 * A claim that fails sends a plain `wake`, so the worker claims on its own and retries. Tasks
 * offered on a connection that closed meanwhile stay CLAIMED for the worker: its next
 * `worker.register` reconciles them (back to the queue when it does not hold them), as for a
 * `worker.claim` reply lost the same way.
 */
export async function offer(workers: WorkerRegistry, engine: Engine, log: Logger, workerId: string): Promise<void> {
  const w = workers.get(workerId);
  if (!w || w.state !== 'running') return;
  let tasks: Task[];
  try {
    tasks = await claimFor(workers, engine, workerId, w.slots);
  } catch (err) {
    log.warn('cannot claim for an idle worker; waking it to claim itself', { worker: workerId, err: String(err) });
    workers.send(workerId, { action: 'wake' });
    return;
  }
  if (tasks.length > 0) workers.send(workerId, { action: 'offer', tasks });
}
