// The daemon's stats machinery: the sampler (one timer, every
// metrics.sample_interval, writing one compact sample into the store), the
// disk-usage walk (on demand, cached), the event-loop utilization baselines,
// and the optional Prometheus listener. Nothing else runs while idle.
import { lstat, opendir, statfs } from 'node:fs/promises';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import path from 'node:path';
import type { MetricsConfig } from '../../core/config.js';
import type { StatsResult } from '../../protocol/methods.js';
import type { StatsSample } from '../../protocol/model.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { startMetricsListener, type MetricsListener } from './http.js';

/** The disk walk stops after this many entries (then `complete` is false). */
const DISK_WALK_MAX = 100_000;
/** A disk measurement is reused this long. */
const DISK_TTL_MS = 5 * 60_000;
/** Counting finished tasks stops here; more is reported as "at least". */
export const FINISHED_CAP = 100_000;

export interface StatsRuntimeOptions {
  store: Store;
  config: MetricsConfig;
  resultsRoot: string;
  log: Logger;
  liveWorkers(): number;
  now(): number;
}

export class StatsRuntime {
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private lastAt: number | undefined;
  private lastCostMs: number | undefined;
  private lastCpuMs: number | undefined;
  private sampleElu: EventLoopUtilization = performance.eventLoopUtilization();
  private callElu: EventLoopUtilization = performance.eventLoopUtilization();
  private diskCache: StatsResult['disk'] | undefined;
  private diskRun: Promise<StatsResult['disk']> | undefined;
  private listener: MetricsListener | undefined;
  private listenError: string | undefined;
  private closed = false;

  constructor(private readonly opts: StatsRuntimeOptions) {}

  /** Arm the sampler and, when configured, the Prometheus listener (serving `scrape()`'s text). */
  async start(scrape: () => Promise<string>): Promise<void> {
    if (this.opts.config.sampleIntervalMs > 0) this.arm();
    if (this.opts.config.listen) {
      try {
        this.listener = await startMetricsListener(this.opts.config.listen, scrape, this.opts.log);
        this.opts.log.info('metrics listener ready', { url: `http://${this.listener.address}/metrics` });
      } catch (err) {
        this.listenError = `cannot listen on ${this.opts.config.listen}: ${(err as Error).message}`;
        this.opts.log.error('metrics listener failed', { listen: this.opts.config.listen, err: (err as Error).message });
      }
    }
  }

  private arm(): void {
    if (this.closed) return;
    const every = this.opts.config.sampleIntervalMs;
    this.due = Date.now() + every;
    this.timer = setTimeout(() => void this.tick(), every);
    this.timer.unref();
  }

  /** Take and store one sample; also what `stats` reports of the sampler's own cost. */
  async tick(): Promise<StatsSample | undefined> {
    const lag = Math.max(0, Date.now() - this.due);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let sample: StatsSample | undefined;
    try {
      const { store, now } = this.opts;
      const at = now();
      const since = this.lastAt ?? (await store.samples(0, 1))[0]?.at ?? at - this.opts.config.sampleIntervalMs;
      const elu = performance.eventLoopUtilization(this.sampleElu);
      this.sampleElu = performance.eventLoopUtilization();
      const cpu = process.cpuUsage();
      sample = {
        at,
        counts: store.counts(),
        finished: await store.countFinishedSince(since, FINISHED_CAP),
        rss: process.memoryUsage.rss(),
        cpu: Math.round((cpu.user + cpu.system) / 1000),
        lag,
        elu: Math.round(elu.utilization * 1e4) / 1e4,
        workers: this.opts.liveWorkers(),
      };
      await store.appendSample(sample, at - this.opts.config.historyMs);
      this.lastAt = at;
    } catch (err) {
      if (!this.closed) this.opts.log.warn('stats sample failed', { err: String(err) });
    }
    this.lastCostMs = Math.round((performance.now() - t0) * 1000) / 1000;
    const c = process.cpuUsage(c0);
    this.lastCpuMs = Math.round((c.user + c.system) / 10) / 100;
    if (this.timer !== undefined) this.arm();
    return sample;
  }

  sampler(): StatsResult['sampler'] {
    return {
      intervalMs: this.opts.config.sampleIntervalMs,
      ...(this.lastAt !== undefined ? { lastAt: this.lastAt } : {}),
      ...(this.lastCostMs !== undefined ? { lastCostMs: this.lastCostMs } : {}),
      ...(this.lastCpuMs !== undefined ? { lastCpuMs: this.lastCpuMs } : {}),
    };
  }

  /** Event-loop utilization since the previous call (or the start). */
  callUtilization(): number {
    const u = performance.eventLoopUtilization(this.callElu).utilization;
    this.callElu = performance.eventLoopUtilization();
    return Math.round(u * 1e4) / 1e4;
  }

  metrics(): StatsResult['metrics'] {
    if (this.listener) return { listen: this.listener.address };
    if (this.listenError) return { error: this.listenError };
    return undefined;
  }

  /** Disk used by result dirs; measured at most every few minutes, one walk at a time. */
  async disk(): Promise<StatsResult['disk']> {
    if (this.diskCache && this.opts.now() - this.diskCache.measuredAt < DISK_TTL_MS) return this.diskCache;
    this.diskRun ??= measureDisk(this.opts.resultsRoot, this.opts.now).finally(() => (this.diskRun = undefined));
    this.diskCache = await this.diskRun;
    return this.diskCache;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.listener?.close();
  }
}

async function measureDisk(root: string, now: () => number): Promise<StatsResult['disk']> {
  let used = 0;
  let files = 0;
  let seen = 0;
  let complete = true;
  const dirs = [root];
  walk: while (dirs.length) {
    const dir = dirs.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      continue;
    }
    for await (const e of handle) {
      if (++seen > DISK_WALK_MAX) {
        complete = false;
        break walk;
      }
      const p = path.join(dir, e.name);
      if (e.isDirectory()) dirs.push(p);
      else {
        try {
          const st = await lstat(p);
          used += st.blocks !== undefined ? st.blocks * 512 : st.size;
          files++;
        } catch {
          // gone meanwhile
        }
      }
    }
  }
  let free: number | undefined;
  try {
    const fs = await statfs(root);
    free = fs.bavail * fs.bsize;
  } catch {
    free = undefined;
  }
  return { used, files, complete, measuredAt: now(), ...(free !== undefined ? { free } : {}) };
}
