import type { Task } from '../../protocol/model.js';
import { logFiles } from '../../worker/runner.js';
import type { Handler } from '../context.js';
import { tailLines } from '../logs.js';
import { resolveId } from '../resolve.js';

export function logFile(task: Task, stream: 'stdout' | 'stderr' | 'output' | undefined): string {
  const files = logFiles(task);
  return stream === 'stderr' ? files.stderr : files.stdout;
}

/** The last N lines (default all, up to 64 MiB) of a task's output, running or finished. */
export const logs: Handler<'logs'> = async (params, { daemon }) => {
  const task = (await daemon.store.get(await resolveId(daemon.store, params.id)))!;
  const path = logFile(task, params.stream);
  const { text, size } = tailLines(path, params.lines ?? Number.MAX_SAFE_INTEGER);
  return { text, path, size, state: task.state };
};
