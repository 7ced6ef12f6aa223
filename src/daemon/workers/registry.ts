// Workers known to this daemon: their records, connections and heartbeats.
// Runtime state only; the tasks they hold are in the store.
import { KeyedSerial } from '../../core/serial.js';
import type { ControlMessage } from '../../protocol/methods.js';
import type { WorkerInfo } from '../../protocol/model.js';
import type { Connection } from '../connection.js';

// 15 s: a local worker's death is seen at once (its process and socket); beats are for one that
// hangs, and each costs the idle daemon ~2 ms of CPU (docs/performance.md), so they are rare.
export const HEARTBEAT_MS = 15_000;
/** Missing this many heartbeats makes a worker lost. */
export const MISSED_BEATS = 3;
/** Stopped and lost workers kept for `worker ls` (the most recent); older ones are forgotten. */
export const KEEP_DEAD_WORKERS = 20;

interface Entry {
  info: WorkerInfo;
  conn: Connection | undefined;
  deadline: NodeJS.Timeout | undefined;
  /** When it was marked stopped or lost (for keeping only the most recent dead ones). */
  diedAt?: number;
  /** It registered with `offers`: woken by tasks claimed for it (see workers/claim.ts `offer`). */
  offers: boolean;
}

export class WorkerRegistry {
  private entries = new Map<string, Entry>();
  /** Each worker's claims, one at a time (see workers/claim.ts `claimFor`). */
  readonly claims = new KeyedSerial();

  constructor(
    private readonly hooks: {
      /** A worker missed its heartbeats or its connection stayed gone. */
      lost(id: string, reason: string): void;
      changed(info: WorkerInfo): void;
      now(): number;
      /** Whether a worker whose connection closed has exited (then it is lost at once, not after the heartbeat window). */
      gone?(info: WorkerInfo): Promise<boolean>;
      /** Claim for an idle worker that takes offers and send it what was claimed (instead of a `wake`). */
      offer?(id: string): void;
    },
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get(id: string): WorkerInfo | undefined {
    return this.entries.get(id)?.info;
  }

  list(): WorkerInfo[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Live workers that could take tasks now or later. */
  live(): WorkerInfo[] {
    return this.list().filter((w) => w.state === 'running' || w.state === 'paused');
  }

  connected(id: string): boolean {
    const c = this.entries.get(id)?.conn;
    return c !== undefined && !c.closed;
  }

  isConnected(id: string, conn: Connection): boolean {
    return this.entries.get(id)?.conn === conn;
  }

  register(info: Omit<WorkerInfo, 'restarts' | 'state' | 'heartbeatAt' | 'startedAt' | 'running'> & { running: string[] }, conn: Connection): WorkerInfo {
    const old = this.entries.get(info.id);
    if (old?.conn && old.conn !== conn && !old.conn.closed) old.conn.end();
    const now = this.hooks.now();
    const entry: Entry = {
      info: {
        ...info,
        state: old?.info.state === 'paused' ? 'paused' : 'running',
        startedAt: old && old.info.pid === info.pid ? old.info.startedAt : now,
        heartbeatAt: now,
        restarts: old?.info.restarts ?? 0,
      },
      conn,
      deadline: undefined,
      offers: false,
    };
    if (old?.deadline) clearTimeout(old.deadline);
    this.entries.set(info.id, entry);
    conn.onClose.push(() => {
      if (this.entries.get(info.id) !== entry) return;
      entry.conn = undefined;
      // Asked to stop and now gone: stopped. Otherwise give it the heartbeat window to come back.
      if (entry.info.state === 'stopping') this.markStopped(info.id, 'stopped on request');
      else if (entry.info.state !== 'stopped' && entry.info.state !== 'lost') {
        this.arm(entry);
        void this.hooks.gone?.(entry.info).then((gone) => {
          if (gone && this.entries.get(info.id) === entry && entry.conn === undefined) this.markLost(info.id, 'its process exited');
        });
      }
    });
    this.arm(entry);
    this.hooks.changed(entry.info);
    return entry.info;
  }

  private arm(entry: Entry): void {
    if (entry.deadline) clearTimeout(entry.deadline);
    entry.deadline = setTimeout(() => this.markLost(entry.info.id, `missed ${MISSED_BEATS} heartbeats`), this.heartbeatMs * MISSED_BEATS);
    entry.deadline.unref();
  }

  /**
   * A sign of life. The worker's list of running tasks is not taken over: it may be older than
   * reports already applied (a beat sent before a finished report's reply), and counting a
   * finished task as running would leave a free slot unused with tasks waiting. The daemon's
   * own list follows the store's transitions (see `hold`).
   */
  heartbeat(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.info.heartbeatAt = this.hooks.now();
    this.arm(e);
    // Dashboards show heartbeat age; a beat is news to them (5 s apart, so cheap).
    this.hooks.changed(e.info);
  }

  update(id: string, patch: Partial<WorkerInfo>): WorkerInfo | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    Object.assign(e.info, patch);
    this.hooks.changed(e.info);
    return e.info;
  }

  /**
   * Offer to it from now on (see `wake`). Set once its registration is reconciled: a claim made for
   * it meanwhile would be written off by that reconciliation as a task it does not hold.
   */
  takeOffers(id: string, offers: boolean): void {
    const e = this.entries.get(id);
    if (e) e.offers = offers;
  }

  hold(id: string, taskId: string, held: boolean): void {
    const e = this.entries.get(id);
    if (!e) return;
    const has = e.info.running.includes(taskId);
    if (held === has) return;
    if (held) e.info.running.push(taskId);
    else e.info.running = e.info.running.filter((t) => t !== taskId);
    this.hooks.changed(e.info);
  }

  /** Replace the list of tasks a worker holds (rebuilt from the store when it registers). */
  setRunning(id: string, taskIds: string[]): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.info.running = [...taskIds];
    this.hooks.changed(e.info);
  }

  markLost(id: string, reason: string): void {
    const e = this.entries.get(id);
    if (!e || e.info.state === 'lost' || e.info.state === 'stopped') return;
    if (e.deadline) clearTimeout(e.deadline);
    e.info.state = 'lost';
    e.info.reason = reason;
    e.conn?.end();
    this.died(e);
    this.hooks.changed(e.info);
    this.hooks.lost(id, reason);
  }

  markStopped(id: string, reason: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    if (e.deadline) clearTimeout(e.deadline);
    e.info.state = 'stopped';
    e.info.reason = reason;
    this.died(e);
    this.hooks.changed(e.info);
  }

  /** Keep only the most recent dead workers: names of ones started and stopped over months must not pile up. */
  private died(e: Entry): void {
    e.diedAt = this.hooks.now();
    const dead = [...this.entries.values()].filter((x) => x.diedAt !== undefined && (x.info.state === 'lost' || x.info.state === 'stopped'));
    if (dead.length <= KEEP_DEAD_WORKERS) return;
    dead.sort((a, b) => a.diedAt! - b.diedAt!);
    for (const old of dead.slice(0, dead.length - KEEP_DEAD_WORKERS)) if (old !== e) this.remove(old.info.id);
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (e?.deadline) clearTimeout(e.deadline);
    this.entries.delete(id);
  }

  send(id: string, msg: ControlMessage): boolean {
    const c = this.entries.get(id)?.conn;
    if (!c || c.closed) return false;
    c.notify('control', msg);
    return true;
  }

  /** Wake connected workers with free slots whose tags could take some of `tagSets` (offer to those that take offers). */
  wake(tagSets?: Array<readonly string[]>): void {
    for (const e of this.entries.values()) {
      const w = e.info;
      if (w.state !== 'running' || !e.conn || w.running.length >= w.slots) continue;
      if (tagSets && !tagSets.some((need) => need.every((t) => w.tags.includes(t)))) continue;
      if (e.offers && this.hooks.offer) this.hooks.offer(w.id);
      else e.conn.notify('control', { action: 'wake' });
    }
  }

  /** Resolve when no worker is connected any more, or after the timeout. */
  async waitDisconnected(timeoutMs: number): Promise<void> {
    const conns = [...this.entries.values()].map((e) => e.conn).filter((c): c is Connection => c !== undefined && !c.closed);
    await Promise.all(
      conns.map(
        (c) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, timeoutMs);
            c.onClose.push(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }

  close(): void {
    for (const e of this.entries.values()) if (e.deadline) clearTimeout(e.deadline);
  }
}

/** Whether some live worker has every tag. */
export function canRun(workers: WorkerInfo[], tags: readonly string[]): boolean {
  return workers.some((w) => (w.state === 'running' || w.state === 'paused') && tags.every((t) => w.tags.includes(t)));
}
