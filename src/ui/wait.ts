// Why a queued task is not running yet: the daemon's own reasons (deps,
// not-before) first, then what top can see from the workers and the running set.
import type { Task } from '../protocol/model.js';
import { waitReason } from '../core/states.js';
import type { WorkerInfo } from './data.js';

export interface WaitContext {
  now: number;
  /** Undefined when the daemon does not list workers: the worker reasons are then unknown. */
  workers?: WorkerInfo[];
  /** Tasks of each type claimed or running. */
  runningByType: ReadonlyMap<string, number>;
  /** Slots in use per worker id (default: each worker's own list). */
  busy?: ReadonlyMap<string, number>;
  /** What the daemon said at the last snapshot, by id: used when top cannot see for itself. */
  daemon?: Readonly<Record<string, string>>;
}

export function whyWaiting(t: Task, ctx: WaitContext): string {
  const daemon = waitReason(t, ctx.now);
  if (daemon) return t.attempt > 1 && t.notBefore !== undefined ? `retry ${t.attempt - 1}: ${daemon}` : daemon;
  // A worker can take a task when its tags include all of the task's.
  const able = ctx.workers?.filter((w) => (w.state === 'running' || w.state === 'paused') && t.tags.every((tag) => w.tags.includes(tag)));
  if (able && able.length === 0) return t.tags.length ? `no worker has ${t.tags.join(',')}` : 'no worker running';
  const said = ctx.daemon?.[t.id];
  if (!able && said) return said;
  if (t.maxConcurrent > 0 && (ctx.runningByType.get(t.type) ?? 0) >= t.maxConcurrent) return `max_concurrent ${t.maxConcurrent} reached`;
  // Only the daemon knows the rate-limit windows.
  if (said?.startsWith('rate limited')) return said;
  if (able) {
    if (able.every((w) => w.state === 'paused')) return 'its workers are paused';
    if (able.every((w) => (ctx.busy?.get(w.id) ?? w.running.length) >= w.slots)) return 'all slots busy';
  }
  return 'ready';
}

export function runningByType(running: readonly Task[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of running) m.set(t.type, (m.get(t.type) ?? 0) + 1);
  return m;
}
