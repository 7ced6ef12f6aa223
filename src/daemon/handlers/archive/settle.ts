// After archived tasks are back in the store: tell everyone, and settle a waiting task whose
// dependency ended (or went) while it was in the archive.
import { isTerminal, type Task } from '../../../protocol/model.js';
import type { Daemon } from '../../context.js';

export async function settleRestored(daemon: Daemon, tasks: Task[]): Promise<void> {
  // `from` is the state it had: a finished task coming back must not run its hooks again.
  daemon.engine.after(tasks.map((task) => ({ task, from: task.state })));
  for (const task of tasks) {
    for (const dep of task.waitingOn) {
      const d =
        (await daemon.store.get(dep)) ??
        (await daemon.archive
          .find(dep)
          .then((e) => e.record.task)
          .catch(() => undefined));
      const at = daemon.now();
      try {
        if (!d) await daemon.engine.apply(task.id, { type: 'kill', at, reason: `dependency ${dep} was deleted for good while this task was archived` });
        else if (isTerminal(d.state))
          await daemon.engine.apply(task.id, { type: 'dependency', at, dep, depState: d.state, ...(d.reason !== undefined ? { depReason: d.reason } : {}) });
      } catch (err) {
        daemon.log.warn('cannot settle a restored task', { task: task.id, dep, err: String((err as Error)?.message ?? err) });
      }
    }
  }
}
