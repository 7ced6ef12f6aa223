// `stats`: counts and counters the store keeps, percentiles over the latest
// finished tasks (one page of the f! index), what /proc says of the daemon,
// workers and running tasks, disk use, and the sampled history.
import os from 'node:os';
import { latency } from '../../core/stats.js';
import type { StatsResult } from '../../protocol/methods.js';
import type { Daemon } from '../context.js';
import type { Task } from '../../protocol/model.js';
import { groupUsage, openFds, usageOf } from './proc.js';
import { FINISHED_CAP } from './runtime.js';

/** Finished tasks the percentiles are computed over. */
export const LATENCY_WINDOW = 1000;

/** How late a 1 ms timer fires now: the event loop's current lag. */
function probeLag(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => setTimeout(() => resolve(Math.max(0, Math.round((performance.now() - t0 - 1) * 1000) / 1000)), 1));
}

export async function collectStats(d: Daemon, historyCount: number): Promise<StatsResult> {
  const now = d.now();
  const { store } = d;
  const windows = await Promise.all([1, 5, 15].map((m) => store.countFinishedSince(now - m * 60_000, FINISHED_CAP)));
  const recent = await store.finished(LATENCY_WINDOW);
  const running = (await store.active()).filter((t) => t.state === 'RUNNING');
  const groups = groupUsage(running.flatMap((t) => (t.pgid !== undefined ? [t.pgid] : [])));
  const host = os.hostname();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const fds = openFds('self');
  const [lag, disk, history] = await Promise.all([
    probeLag(),
    d.stats.disk(),
    historyCount > 0 ? store.samples(now - d.config.metrics.historyMs, historyCount) : Promise.resolve([]),
  ]);
  const metrics = d.stats.metrics();
  const health = await healthOf(d, now, recent);
  return {
    at: now,
    version: d.version,
    counts: store.counts(),
    byType: store.countsByType(),
    finished: { '1m': windows[0]!, '5m': windows[1]!, '15m': windows[2]!, capped: windows.some((n) => n >= FINISHED_CAP) },
    latency: latency(recent),
    daemon: {
      pid: process.pid,
      uptime: now - d.startedAt,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      cpu: Math.round((cpu.user + cpu.system) / 1000),
      ...(fds !== undefined ? { fds } : {}),
      eventLoopLag: lag,
      eventLoopUtilization: d.stats.callUtilization(),
    },
    workers: d.workers.list().map((w) => ({
      id: w.id,
      state: w.state,
      slots: w.slots,
      running: w.running.length,
      ...(w.pid !== undefined ? { pid: w.pid } : {}),
      ...(w.pid !== undefined && w.host === host && w.state !== 'lost' && w.state !== 'stopped' ? usageOf(w.pid) : {}),
    })),
    tasks: running.map((t) => {
      const g = t.pgid !== undefined ? groups.get(t.pgid) : undefined;
      return {
        id: t.id,
        type: t.type,
        ...(t.worker ? { worker: t.worker } : {}),
        ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
        processes: g?.processes ?? 0,
        ...(g ? { rss: g.rss!, cpu: g.cpu! } : {}),
      };
    }),
    disk,
    sampler: d.stats.sampler(),
    history,
    ...(metrics ? { metrics } : {}),
    health,
  };
}

/** Failures counted over at most this many tasks that ended in the last hour. */
export const HEALTH_FINISHED_CAP = 10_000;

/** The oldest runnable task, and the failures of the last hour (reusing `recent` when it covers the hour). */
async function healthOf(d: Daemon, now: number, recent: Task[]): Promise<NonNullable<StatsResult['health']>> {
  const since = now - 3_600_000;
  const ended = await d.store.countFinishedSince(since, HEALTH_FINISHED_CAP + 1);
  const window = ended <= recent.length ? recent : await d.store.finished(Math.min(ended, HEALTH_FINISHED_CAP));
  const failedLastHour = window.filter((t) => (t.endedAt ?? 0) > since && (t.state === 'ERROR' || t.state === 'TIMEDOUT' || t.state === 'LOST')).length;
  const oldest = await d.store.oldestRunnable();
  return { ...(oldest ? { oldestRunnableSince: oldest.updatedAt } : {}), failedLastHour, capped: ended > HEALTH_FINISHED_CAP };
}
