import type { Handler } from '../../context.js';
import { logLinesPage } from '../../../os/logfiles.js';
import { LOG_PAGE_MAX } from '../../logs.js';
import { findWorker } from './common.js';

/**
 * The last lines of a worker's own log (JSON lines, across its rotated files), at or above `level`:
 * a page of at most LOG_PAGE_MAX bytes; `before` in the result continues further back.
 */
export const workerLogs: Handler<'worker.logs'> = async (p, ctx) => {
  const w = findWorker(ctx, p.id);
  const path = ctx.daemon.supervisor.logFile(w.id);
  const page = await logLinesPage(path, p.lines ?? 100, p.level, LOG_PAGE_MAX, p.before);
  return { text: page.lines.length ? page.lines.join('\n') + '\n' : '', path, ...(page.before ? { before: page.before } : {}) };
};
