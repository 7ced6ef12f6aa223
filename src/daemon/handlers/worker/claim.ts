import type { Handler } from '../../context.js';
import { claimFor, ownWorker } from './common.js';

export const workerClaim: Handler<'worker.claim'> = async (params, ctx) => {
  ownWorker(ctx, params.worker);
  return { tasks: await claimFor(ctx, params.worker, params.max) };
};
