import { BlanketError } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';
import { findWorker } from './common.js';

/** Paused: keeps running what it has, claims nothing new. */
export const workerPause: Handler<'worker.pause'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  if (w.state !== 'running' && w.state !== 'paused') throw new BlanketError('INVALID_STATE', `worker ${w.id} is ${w.state}`);
  ctx.daemon.workers.send(w.id, { action: 'pause' });
  return ctx.daemon.workers.update(w.id, { state: 'paused' })!;
};

export const workerResume: Handler<'worker.resume'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  if (w.state !== 'running' && w.state !== 'paused') throw new BlanketError('INVALID_STATE', `worker ${w.id} is ${w.state}`);
  ctx.daemon.workers.send(w.id, { action: 'resume' });
  return ctx.daemon.workers.update(w.id, { state: 'running' })!;
};
