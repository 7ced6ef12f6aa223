import type { Handler } from '../../context.js';
import { ownWorker } from './common.js';

/** The process runs. `stop` tells the worker a kill came in while it was starting. */
export const workerStarted: Handler<'worker.started'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  const [change] = await ctx.daemon.engine.apply(p.id, { type: 'start', pid: p.pid, pgid: p.pgid, at: p.at, ...(p.pidStart !== undefined ? { pidStart: p.pidStart } : {}) });
  return { ok: true, stop: change!.task.stopRequested === true };
};
