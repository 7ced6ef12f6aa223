import { BlanketError } from '../../protocol/errors.js';
import { isTerminal } from '../../protocol/model.js';
import { normalizeSignal } from '../../core/signals.js';
import type { Handler } from '../context.js';
import { elsewhere } from '../output-policy.js';
import { resolveIds } from '../resolve.js';

/**
 * Stop running tasks (signal, grace, SIGKILL to the group) and cancel waiting ones.
 * Everything is checked first; a finished task or a bad signal changes nothing.
 * The kill is stored with the task: one whose worker is away now (`pending`) is told when it
 * registers again (workers/reconcile.ts); if it never does, the task ends LOST as ever.
 */
export const kill: Handler<'kill'> = async (params, { daemon }) => {
  const signal = normalizeSignal(params.signal ?? 'TERM');
  if (!signal) throw new BlanketError('BAD_SIGNAL', `unknown signal "${params.signal}"`, { hint: 'use a name such as TERM, INT, HUP, KILL or a number' });
  const ids = await resolveIds(daemon, params.ids);
  const tasks = await Promise.all(ids.map(async (id) => (await daemon.store.get(id))!));
  const done = tasks.filter((t) => isTerminal(t.state));
  if (done.length) {
    throw new BlanketError('INVALID_STATE', `${done.map((t) => `${t.id} already ended ${t.state}`).join('; ')}`, {
      hint: 'only waiting or running tasks can be killed',
      details: { ids: done.map((t) => t.id) },
    });
  }
  const stopping: string[] = [];
  const cancelled: string[] = [];
  const pending: string[] = [];
  for (const t of tasks) {
    const [change] = await daemon.engine.apply(t.id, { type: 'kill', at: daemon.now(), reason: 'cancelled by user', signal });
    const now = change!.task;
    if (now.state === 'STOPPED') cancelled.push(t.id);
    else {
      stopping.push(t.id);
      if (now.state === 'RUNNING' && now.worker && !elsewhere(daemon, now) && !daemon.workers.send(now.worker, { action: 'kill', id: t.id, signal })) pending.push(t.id);
    }
  }
  return { stopping, cancelled, ...(pending.length ? { pending } : {}) };
};
