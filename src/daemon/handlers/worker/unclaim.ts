import type { Handler } from '../../context.js';
import { applyReport, ownWorker } from './common.js';

/** A claim given back before its process started; fenced like the other reports. */
export const workerUnclaim: Handler<'worker.unclaim'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  await applyReport(ctx, p.id, { type: 'unclaim', at: ctx.daemon.now(), reason: p.reason, by: { worker: p.worker, attempt: p.attempt } });
  return { ok: true };
};
