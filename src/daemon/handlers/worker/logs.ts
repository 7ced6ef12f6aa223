import type { Handler } from '../../context.js';
import { tailLines } from '../../logs.js';
import { findWorker } from './common.js';

export const workerLogs: Handler<'worker.logs'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  const path = ctx.daemon.supervisor.logFile(w.id);
  return { text: tailLines(path, p.lines ?? 100).text, path };
};
