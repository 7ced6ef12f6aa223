import type { Handler } from '../../context.js';
import { settleRestored } from './settle.js';

/** All or nothing: an id not in the archive, or one the store holds again, changes nothing. */
export const archiveRestore: Handler<'archive.restore'> = async (params, { daemon }) => {
  const tasks = await daemon.archive.restore(params.ids);
  await settleRestored(daemon, tasks);
  return { restored: tasks.map((t) => t.id) };
};
