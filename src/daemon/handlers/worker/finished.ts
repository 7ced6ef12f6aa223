import type { Handler } from '../../context.js';
import { ownWorker } from './common.js';

export const workerFinished: Handler<'worker.finished'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  await ctx.daemon.engine.apply(p.id, { type: 'exit', at: p.at, exitCode: p.exitCode, signal: p.signal, cause: p.cause, ...(p.reason ? { reason: p.reason } : {}) });
  return { ok: true };
};
