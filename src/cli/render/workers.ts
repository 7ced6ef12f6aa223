// Pure renderer for workers.
import type { WorkerInfo } from '../../protocol/model.js';
import { formatDuration } from '../../core/duration.js';
import { cyan, dim, green, red, table, yellow } from '../style.js';

function colorWorkerState(s: WorkerInfo['state']): string {
  return s === 'running' ? green(s) : s === 'lost' ? red(s) : s === 'paused' || s === 'stopping' ? yellow(s) : dim(s);
}

export function renderWorkers(workers: WorkerInfo[], now: number): string {
  if (workers.length === 0) return dim('No workers. Start one with: blanket worker start --tags unix --slots 2');
  return table([
    ['ID', 'STATE', 'SLOTS', 'PID', 'HEARTBEAT', 'UPTIME', 'RESTARTS', 'TAGS'].map(dim),
    ...workers.map((w) => [
      w.id,
      colorWorkerState(w.state) + (w.reason && w.state !== 'running' ? dim(` (${w.reason})`) : ''),
      `${cyan(String(w.running.length))}/${w.slots}`,
      w.pid ? String(w.pid) : '-',
      `${formatDuration(Math.max(0, now - w.heartbeatAt))} ago`,
      formatDuration(Math.max(0, now - w.startedAt)),
      String(w.restarts),
      w.tags.join(','),
    ]),
  ]);
}
