// Checks shared by the methods workers call.
import { BlanketError } from '../../../protocol/errors.js';
import type { WorkerInfo } from '../../../protocol/model.js';
import type { CallContext } from '../../context.js';

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
