import type { Handler } from '../../context.js';
import { applyReport, ownWorker } from './common.js';

/**
 * The process runs. `stop` tells the worker a kill came in while it was starting. Fenced: only the
 * worker holding that attempt may report it (STALE_REPORT otherwise; the worker then stops the process).
 */
export const workerStarted: Handler<'worker.started'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  const [change] = await applyReport(ctx, p.id, {
    type: 'start',
    pid: p.pid,
    pgid: p.pgid,
    at: p.at,
    by: { worker: p.worker, attempt: p.attempt },
    ...(p.pidStart !== undefined ? { pidStart: p.pidStart } : {}),
  });
  return { ok: true, stop: change!.task.stopRequested === true };
};
