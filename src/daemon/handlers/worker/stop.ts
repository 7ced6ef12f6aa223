import type { Handler } from '../../context.js';
import { findWorker } from './common.js';

/** Drain (finish what runs, take nothing new) and exit; with kill, stop its tasks too. */
export const workerStop: Handler<'worker.stop'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  const { daemon } = ctx;
  daemon.supervisor.release(w.id);
  if (w.state === 'lost' || w.state === 'stopped') return w;
  if (p.kill) for (const id of w.running) await daemon.engine.apply(id, { type: 'kill', at: daemon.now(), reason: `worker ${w.id} stopped` }).catch(() => []);
  daemon.workers.send(w.id, { action: 'stop', kill: p.kill === true });
  return daemon.workers.update(w.id, { state: 'stopping' })!;
};
