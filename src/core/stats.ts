// Stats computed from task records: percentiles of queue wait and run time. Pure.
import type { Percentiles, StatsResult } from '../protocol/methods.js';
import type { Task } from '../protocol/model.js';

/** Nearest-rank percentiles of `values` (ms). */
export function percentiles(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (p: number) => (v.length ? v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]! : 0);
  return { count: v.length, p50: at(50), p90: at(90), p99: at(99), max: v.length ? v[v.length - 1]! : 0, sum: v.reduce((a, b) => a + b, 0) };
}

/** Queue wait (submit → first start) and run time (start → end of the last attempt) of tasks that ran. */
export function taskTimes(t: Task): { wait: number; run: number } | undefined {
  const firstStart = t.attempts[0]?.startedAt ?? t.startedAt;
  if (firstStart === undefined || t.startedAt === undefined || t.endedAt === undefined) return undefined;
  return { wait: Math.max(0, firstStart - t.createdAt), run: Math.max(0, t.endedAt - t.startedAt) };
}

export function latency(finished: Task[]): StatsResult['latency'] {
  const all = { wait: [] as number[], run: [] as number[] };
  const byType = new Map<string, { wait: number[]; run: number[] }>();
  for (const t of finished) {
    const times = taskTimes(t);
    if (!times) continue;
    all.wait.push(times.wait);
    all.run.push(times.run);
    let b = byType.get(t.type);
    if (!b) byType.set(t.type, (b = { wait: [], run: [] }));
    b.wait.push(times.wait);
    b.run.push(times.run);
  }
  return {
    queueWait: percentiles(all.wait),
    runTime: percentiles(all.run),
    byType: Object.fromEntries([...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, b]) => [type, { queueWait: percentiles(b.wait), runTime: percentiles(b.run) }])),
  };
}
