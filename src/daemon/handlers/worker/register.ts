import { BlanketError } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';
import { HEARTBEAT_MS } from '../../workers/registry.js';
import { reconcile } from '../../workers/reconcile.js';

/** A worker says hello (again): what it holds is reconciled with the store before it claims anything. */
export const workerRegister: Handler<'worker.register'> = async (params, ctx) => {
  const { daemon, conn } = ctx;
  const id = params.id ?? params.name;
  const existing = daemon.workers.get(id);
  // A worker may take the name of one that is gone, never of one that is connected.
  if (existing && existing.pid !== params.pid && daemon.workers.connected(id)) {
    throw new BlanketError('EXISTS', `a worker named ${id} is already registered (pid ${existing.pid})`, { hint: 'choose another --name' });
  }
  const info = daemon.workers.register(
    { id, name: params.name, tags: params.tags, slots: params.slots, pid: params.pid, host: params.host, local: params.local, running: [] },
    conn,
  );
  await reconcile(daemon, id, params.held);
  daemon.workers.takeOffers(id, params.offers === true);
  return {
    worker: info,
    settings: {
      killGraceMs: daemon.config.killGraceMs,
      maxOutputBytes: daemon.config.maxOutputBytes,
      heartbeatMs: HEARTBEAT_MS,
      resultsRoot: daemon.paths.results,
      socket: daemon.paths.socket,
    },
  };
};
