import type { Task } from '../../protocol/model.js';
import { BlanketError } from '../../protocol/errors.js';
import { logFiles } from '../../os/results.js';
import type { Handler } from '../context.js';
import { LOG_PAGE_MAX, openLog, readPage, tailOffset } from '../logs.js';
import { resolveId } from '../resolve.js';
import { assertNotForgotten, assertOutputKept, elsewhere, outputThere } from '../output-policy.js';

export function logFile(task: Task, stream: 'stdout' | 'stderr' | 'output' | undefined): string {
  const files = logFiles(task);
  return stream === 'stderr' ? files.stderr : files.stdout;
}

/**
 * One page (at most LOG_PAGE_MAX bytes) of a task's output, running or finished: from `offset`
 * (default 0), or from where the last `lines` lines start. Callers page on with `next` until `eof`.
 */
export const logs: Handler<'logs'> = async (params, { daemon }) => {
  if (params.lines !== undefined && params.offset !== undefined) {
    throw new BlanketError('INVALID_PARAMS', 'logs: give lines (a tail) or offset (a page), not both', { hint: 'ask for the tail with lines, then page on with offset = next' });
  }
  const task = (await daemon.store.get(await resolveId(daemon, params.id)))!;
  assertOutputKept(task);
  if (elsewhere(daemon, task)) {
    await assertNotForgotten(daemon.store, task);
    if (!daemon.peerLink) throw outputThere(task);
    return daemon.peerLink.logs(task, params);
  }
  const path = logFile(task, params.stream);
  const limit = Math.min(params.limit ?? LOG_PAGE_MAX, LOG_PAGE_MAX);
  const fh = await openLog(path);
  if (!fh) return { data: '', offset: 0, next: 0, size: 0, eof: true, path, state: task.state };
  try {
    let offset = params.offset ?? 0;
    if (params.lines !== undefined) offset = await tailOffset(fh, (await fh.stat()).size, params.lines);
    const page = await readPage(fh, offset, limit);
    return { data: page.data.toString('base64'), offset: page.offset, next: page.next, size: page.size, eof: page.next >= page.size, path, state: task.state };
  } finally {
    await fh.close();
  }
};
