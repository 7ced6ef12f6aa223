// The daemon's archive upkeep: `[retention] finished` archives finished tasks (oldest first, in
// bounded batches, reading only the store's finished index), and `archive.keep` deletes old
// archive entries. Both run at start; cleaning then every cleanIntervalMs(keep); retention when
// tasks end (at most once a second) and, by age, when the oldest finished task comes of age.
import { cleanIntervalMs } from '../../core/archive.js';
import type { ArchiveConfig, RetentionConfig } from '../../core/config/model.js';
import { isTerminal, TERMINAL_STATES } from '../../protocol/model.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Archive } from './archive.js';

/** Tasks archived per batch (one store write, one journal): bounds memory and the time a pass holds the archive. */
export const RETENTION_BATCH = 500;
/** Timers longer than this are re-armed, so a wall-clock jump is noticed within it. */
const MAX_TIMER_MS = 3_600_000;

export interface ArchiveTimersOptions {
  archive: Archive;
  store: Store;
  events: EventBus;
  log: Logger;
  now: () => number;
  retention: RetentionConfig;
  keep: ArchiveConfig;
  /**
   * With a store shared by peer daemons: this daemon's name. Retention then archives only tasks
   * that ran here (or nowhere): a task's output is on the host that ran it, and two daemons
   * archiving one task would have the loser delete its copy. Tasks of a host `hosts forget` forgot
   * are every daemon's: their output stayed on that host, so no copy is moved and none deleted.
   */
  host?: string;
  /** Tell subscribers a task left the store. */
  removed(ids: string[]): void;
}

export class ArchiveTimers {
  private cleanTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private off: (() => void) | undefined;

  constructor(private readonly o: ArchiveTimersOptions) {}

  private get on(): boolean {
    return this.o.retention.finishedMs !== undefined || this.o.retention.finishedCount !== undefined;
  }

  start(): void {
    if (this.o.keep.keepMs > 0) void this.clean();
    if (!this.on) return;
    this.off = this.o.events.on((e) => {
      if (e.kind === 'task' && isTerminal(e.task.state) && e.from !== e.task.state) this.kick(1000);
    });
    this.kick(0);
  }

  private async clean(): Promise<void> {
    try {
      const n = await this.o.archive.clean();
      if (n) this.o.log.info('deleted archived tasks older than archive.keep', { deleted: n });
    } catch (err) {
      this.o.log.warn('cleaning the archive failed; trying again later', { err: String((err as Error)?.message ?? err) });
    }
    if (this.closed) return;
    this.cleanTimer = setTimeout(() => void this.clean(), cleanIntervalMs(this.o.keep.keepMs));
    this.cleanTimer.unref();
  }

  /** A retention pass soon: a host was forgotten, so its finished tasks are archivable here now. */
  poke(): void {
    if (this.on) this.kick(0);
  }

  /** The daemons whose finished tasks this one archives: itself and the forgotten (undefined: one host, all). */
  private async mine(): Promise<readonly string[] | undefined> {
    const { host } = this.o;
    return host === undefined ? undefined : [host, ...(await this.o.store.forgottenHosts())];
  }

  /** A retention pass in `ms` (unless one is armed sooner). */
  private kick(ms: number): void {
    if (this.closed || this.retentionTimer !== undefined) return;
    this.retentionTimer = setTimeout(() => {
      this.retentionTimer = undefined;
      if (this.running) this.again = true;
      else this.running = this.pass().then(() => void (this.running = undefined));
    }, ms);
    this.retentionTimer.unref();
  }

  /** One pass: archive until the rule holds, RETENTION_BATCH at a time. */
  async pass(): Promise<number> {
    let total = 0;
    let delay: number | undefined;
    try {
      for (;;) {
        const batch = await this.next();
        if (batch === undefined || batch.length === 0 || this.closed) break;
        const removed = await this.o.archive.put(batch, 'retention');
        this.o.removed(removed);
        total += removed.length;
        if (removed.length === 0) break;
      }
      if (total) this.o.log.info('archived finished tasks ([retention] finished)', { archived: total });
      const ms = this.o.retention.finishedMs;
      if (ms !== undefined) {
        const [oldest] = await this.o.store.oldestFinished(1, undefined, await this.mine());
        if (oldest) delay = Math.max(1000, (oldest.endedAt ?? oldest.updatedAt) + ms - this.o.now());
      }
    } catch (err) {
      this.o.log.warn('archiving finished tasks ([retention]) failed; trying again later', { err: String((err as Error)?.message ?? err) });
      delay = 60_000;
    }
    if (this.again) {
      this.again = false;
      delay = 0;
    }
    if (delay !== undefined) this.kick(Math.min(delay, MAX_TIMER_MS));
    return total;
  }

  private async next() {
    const { finishedMs, finishedCount } = this.o.retention;
    const mine = await this.mine();
    if (finishedMs !== undefined) return this.o.store.oldestFinished(RETENTION_BATCH, this.o.now() - finishedMs, mine);
    if (finishedCount === undefined) return undefined;
    const counts = this.o.store.counts();
    const finished = TERMINAL_STATES.reduce((n, s) => n + counts[s], 0);
    const excess = finished - finishedCount;
    if (excess <= 0) return undefined;
    // The count is of the whole store: of its oldest `excess`, each daemon archives those that ran on it (or on a forgotten host).
    const oldest = await this.o.store.oldestFinished(Math.min(excess, RETENTION_BATCH));
    return oldest.filter((t) => mine === undefined || t.host === undefined || mine.includes(t.host));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.off?.();
    clearTimeout(this.cleanTimer);
    clearTimeout(this.retentionTimer);
    await this.running;
  }
}
