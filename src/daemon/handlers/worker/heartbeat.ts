import type { Handler } from '../../context.js';
import { ownWorker } from './common.js';

export const workerHeartbeat: Handler<'worker.heartbeat'> = async (p, ctx) => {
  ownWorker(ctx, p.worker);
  ctx.daemon.workers.heartbeat(p.worker);
  return { ok: true };
};
