import { backupsDir } from '../../../core/paths.js';
import { backupName } from '../../store/backup.js';
import type { Handler } from '../../context.js';

/** Back up, then rebuild every index, counter and queue group from the task records. */
export const dbRepair: Handler<'db.repair'> = async (_p, { daemon }) => {
  const r = await daemon.store.admin.repair(backupName(backupsDir(daemon.paths, daemon.config.backup.dir), 'repair-', daemon.now()));
  daemon.log.warn('store repaired', { backup: r.backup, removed: r.removedCount, problemsBefore: r.problemsBefore, problemsAfter: r.problemsAfter });
  // Counters and queues were reloaded: anything runnable is offered to idle workers again.
  daemon.workers.wake();
  daemon.engine.armDue();
  return r;
};
