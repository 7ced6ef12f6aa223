import { rm as rmDir } from 'node:fs/promises';
import { BlanketError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/model.js';
import type { Handler } from '../context.js';
import { elsewhere } from '../output-policy.js';
import { resolveIds } from '../resolve.js';

/** All or nothing: if any named task is claimed or running, nothing is removed. Archived (undo brings them back) unless `purge`. */
export const rm: Handler<'rm'> = async (params, { daemon }) => {
  const ids = await resolveIds(daemon, params.ids);
  const tasks = await Promise.all(ids.map((id) => daemon.store.get(id)));
  const busy = tasks.filter((t) => t && (t.state === 'RUNNING' || t.state === 'CLAIMED')).map((t) => t!.id);
  if (busy.length) {
    throw new BlanketError('INVALID_STATE', `cannot remove ${busy.join(', ')}: still running`, { hint: `stop it first: blanket kill ${busy.join(' ')}`, details: { ids: busy } });
  }
  const archived = params.purge !== true;
  // The archive is per home and a task's output is on the host that ran it: archiving it here would
  // keep its record without its output (and a peer archiving it too would delete that output).
  // A host `hosts forget` forgot is the exception: its output is written off, any daemon archives the record.
  const forgotten = archived ? await daemon.store.forgottenHosts() : [];
  const away = archived ? tasks.filter((t): t is Task => t !== undefined && elsewhere(daemon, t) && !forgotten.includes(t.host!)) : [];
  if (away.length) {
    const hosts = [...new Set(away.map((t) => t.host!))];
    throw new BlanketError(
      'OUTPUT_ON_OTHER_HOST',
      `cannot archive ${away.map((t) => t.id).join(', ')}: ${away.length === 1 ? 'it' : 'they'} ran on ${hosts.join(', ')}, whose home keeps the output`,
      {
        hint: `run 'blanket rm ${away.map((t) => t.id).join(' ')}' on ${hosts.join(', ')} (nothing was removed), or 'blanket rm --purge' to delete for good from here (the files on that host stay); a host gone for good: 'blanket hosts forget HOST' once its lease expired`,
        details: { ids: away.map((t) => t.id), hosts, host: hosts[0] },
      },
    );
  }
  if (params.dryRun) return { removed: ids, archived };
  // A waiting task others depend on is cancelled first, so they end SKIPPED instead of waiting forever.
  for (const t of tasks) {
    if (t?.state === 'WAITING' && (await daemon.store.dependents(t.id)).length) await daemon.engine.apply(t.id, { type: 'kill', at: daemon.now(), reason: 'removed by user' });
  }
  let removed: string[];
  if (archived) {
    const now = (await Promise.all(ids.map((id) => daemon.store.get(id)))).filter((t) => t !== undefined);
    removed = await daemon.archive.put(now, 'rm');
  } else {
    removed = await daemon.store.remove(ids);
    // Only output kept here: another host's result directory is that host's (its path means nothing here).
    for (const t of tasks) if (t && !elsewhere(daemon, t) && removed.includes(t.id)) await rmDir(t.resultDir, { recursive: true, force: true });
  }
  for (const id of removed) daemon.events.publish({ kind: 'task.removed', id });
  return { removed, archived };
};
