import type { Handler } from '../../context.js';
import { claimFor } from '../../workers/claim.js';
import { ownWorker } from './common.js';

export const workerClaim: Handler<'worker.claim'> = async (params, ctx) => {
  ownWorker(ctx, params.worker);
  return { tasks: await claimFor(ctx.daemon.workers, ctx.daemon.engine, params.worker, params.max) };
};
