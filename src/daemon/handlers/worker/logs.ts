import type { Handler } from '../../context.js';
import { lastLogLines } from '../../logfiles.js';
import { findWorker } from './common.js';

/** The last lines of a worker's own log (JSON lines, across its rotated files), at or above `level`. */
export const workerLogs: Handler<'worker.logs'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  const path = ctx.daemon.supervisor.logFile(w.id);
  const lines = lastLogLines(path, p.lines ?? 100, p.level);
  return { text: lines.length ? lines.join('\n') + '\n' : '', path };
};
