import type { Handler } from '../../context.js';
import { ownWorker } from './common.js';

export const workerUnclaim: Handler<'worker.unclaim'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  await ctx.daemon.engine.apply(p.id, { type: 'unclaim', at: ctx.daemon.now(), reason: p.reason });
  return { ok: true };
};
