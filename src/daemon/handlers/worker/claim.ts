import type { Task } from '../../../protocol/model.js';
import type { Handler } from '../../context.js';
import { ownWorker } from './common.js';

export const workerClaim: Handler<'worker.claim'> = async (params, ctx) => {
  const w = ownWorker(ctx, params.worker);
  const tasks: Task[] = [];
  if (w.state !== 'running') return { tasks };
  const max = Math.min(params.max, Math.max(0, w.slots - w.running.length));
  while (tasks.length < max) {
    const t = await ctx.daemon.engine.claim(w.id, w.tags);
    if (!t) break;
    tasks.push(t);
  }
  return { tasks };
};
