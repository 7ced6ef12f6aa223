import { BlanketError } from '../../protocol/errors.js';
import type { Handler } from '../context.js';
import { settleRestored } from './archive/settle.js';

/** Restore what the last `rm` archived (those of its tasks still in the archive). */
export const undo: Handler<'undo'> = async (params, { daemon }) => {
  const last = await daemon.archive.lastRm();
  const left: string[] = [];
  for (const id of last?.ids ?? []) {
    const e = await daemon.archive.find(id).catch(() => undefined);
    if (e && e.record.batch === last!.batch) left.push(id);
  }
  if (!last || left.length === 0) {
    throw new BlanketError('NOT_FOUND', last ? 'nothing to undo: the tasks the last rm archived are restored or deleted already' : 'nothing to undo: no rm has archived anything', {
      hint: "see what the archive holds with 'blanket archive ls'; restore any of it with 'blanket archive restore ID'",
    });
  }
  if (params.dryRun) return { restored: left, batch: last.batch, at: last.at };
  const tasks = await daemon.archive.restore(left);
  await settleRestored(daemon, tasks);
  return { restored: tasks.map((t) => t.id), batch: last.batch, at: last.at };
};
