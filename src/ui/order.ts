// Run order of waiting tasks, as the daemon's ps gives it: runnable tasks by
// priority then age, then those waiting for a time, then those waiting for
// dependencies. Used to place a task that starts waiting into the window.
import type { Task } from '../protocol/model.js';

function group(t: Task): number {
  if (t.notBefore !== undefined) return 1;
  if (t.waitingOn.length > 0) return 2;
  return 0;
}

export function compareQueued(a: Task, b: Task): number {
  const ga = group(a);
  const gb = group(b);
  if (ga !== gb) return ga - gb;
  if (ga === 0 && a.priority !== b.priority) return b.priority - a.priority;
  if (ga === 1 && a.notBefore !== b.notBefore) return a.notBefore! - b.notBefore!;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function compareRunning(a: Task, b: Task): number {
  return (a.startedAt ?? a.claimedAt ?? a.updatedAt) - (b.startedAt ?? b.claimedAt ?? b.updatedAt) || (a.id < b.id ? -1 : 1);
}

export function compareFinished(a: Task, b: Task): number {
  return (b.endedAt ?? b.updatedAt) - (a.endedAt ?? a.updatedAt) || (a.id < b.id ? 1 : -1);
}

/** Index at which `t` goes into `list`, sorted by `cmp`. */
export function insertionIndex(list: readonly Task[], t: Task, cmp: (a: Task, b: Task) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid]!, t) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
