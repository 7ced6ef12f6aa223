// Checks shared by the methods workers call.
import { BlanketError } from '../../../protocol/errors.js';
import type { WorkerInfo } from '../../../protocol/model.js';
import type { TaskEvent } from '../../../core/states.js';
import type { CallContext } from '../../context.js';
import type { Change } from '../../store/store.js';
import { StoreError } from '../../store/store.js';

/** The worker must be registered on this very connection. */
export function ownWorker({ daemon, conn }: CallContext, id: string): WorkerInfo {
  const w = daemon.workers.get(id);
  if (!w || !daemon.workers.isConnected(id, conn)) {
    throw new BlanketError('INVALID_STATE', `worker ${id} is not registered on this connection`, { hint: 'call worker.register first' });
  }
  return w;
}

export function findWorker({ daemon }: CallContext, id: string): WorkerInfo {
  const w = daemon.workers.get(id);
  if (!w) {
    const names = daemon.workers.list().map((x) => x.id);
    throw new BlanketError('NOT_FOUND', `no worker ${id}`, { hint: names.length ? `workers: ${names.join(', ')}` : 'no workers are registered' });
  }
  return w;
}

/** Apply a worker's (fenced) report; one for an attempt it no longer holds is logged and refused. */
export async function applyReport(ctx: CallContext, id: string, event: TaskEvent & { by: { worker: string; attempt: number } }): Promise<Change[]> {
  try {
    return await ctx.daemon.engine.apply(id, event);
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'stale')
      ctx.daemon.log.warn('refused a stale worker report', {
        ...(ctx.daemon.host !== undefined ? { host: ctx.daemon.host } : {}),
        worker: event.by.worker,
        task: id,
        attempt: event.by.attempt,
        event: event.type,
        err: err.message,
      });
    throw err;
  }
}
