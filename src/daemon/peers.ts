// Peer daemons on one PostgreSQL store (docs/operations.md, "Many hosts"): this daemon hears
// what the others change, holds its lease (renewed every third of store.lease), and takes over
// the claimed and running tasks of a daemon whose lease ran out. A daemon that finds its own
// lease taken (it was cut off) drops the tasks a peer ended and registers again. At each
// renewal the schedules are read again (other daemons add, pause and remove them). A daemon that
// has not renewed its lease for the lease less a fifth (fenceAfterMs) stops its tasks' processes itself (self-fencing), before
// any peer can take them over and run them again.
import { performance } from 'node:perf_hooks';
import { ACTIVE_STATES } from '../core/states.js';
import type { State, Task } from '../protocol/model.js';
import type { Change } from './store/store.js';
import type { Forgotten } from './store/pg-hosts.js';
import { BlanketError } from '../protocol/errors.js';
import type { Engine } from './engine.js';
import type { Logger } from './log.js';
import type { PostgresStore } from './store/pg.js';
import type { PeerChanges } from './store/pg-events.js';
import type { WorkerRegistry } from './workers/registry.js';
import type { FenceBook } from './fence.js';

export interface PeersDeps {
  store: PostgresStore;
  engine: Engine;
  workers: WorkerRegistry;
  log: Logger;
  leaseMs: number;
  now(): number;
  fence: FenceBook;
  /** A monotonic clock, ms (default performance.now). */
  monotonic?(): number;
  /** Read the schedules again: other daemons add, pause and remove them. */
  refreshSchedules(): Promise<void>;
  /** A host was forgotten (`hosts forget`, here or on a peer): its finished tasks are archivable here now. */
  hostForgotten(): void;
  /** This daemon's own name was forgotten while it ran: it must stop (see start()). */
  stop(reason: string): void;
}

const active = (s: State) => ACTIVE_STATES.includes(s);

/**
 * How long after sending its last successful renewal a daemon stops its tasks' processes: the
 * lease less a margin (a fifth of it, at least 0.5 s). The lease that renewal wrote runs until
 * the store's clock at the update plus the lease, which is after the send, so no peer can take
 * the tasks over before this.
 */
export function fenceAfterMs(leaseMs: number): number {
  return leaseMs - Math.max(500, Math.floor(leaseMs / 5));
}

export class Peers {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private closed = false;
  /** Monotonic time the last successful renewal (or registration) was sent. */
  private renewedAt = 0;
  private fenceTimer: NodeJS.Timeout | undefined;
  /** Cut off past the fence: this daemon's tasks' processes were stopped. */
  private fencing = false;
  /**
   * Another daemon had a lease row at the last renewal, so one could take this daemon's tasks over
   * while it is cut off. Alone on the store (nobody to take them over) it does not fence: a
   * PostgreSQL restart longer than the fence must not stop the only host's tasks.
   */
  private shared = true;
  private forgotten = 0;
  /** A claim was refused for want of the lease: the workers are woken once it is held again. */
  private refused = false;

  constructor(private readonly d: PeersDeps) {}

  private mono(): number {
    return this.d.monotonic?.() ?? performance.now();
  }

  /** A renewal (or registration) sent at `sentAt` went through: the fence moves on. */
  private renewed(sentAt: number): void {
    if (sentAt <= this.renewedAt) return;
    this.renewedAt = sentAt;
    if (this.fencing) {
      this.fencing = false;
      this.d.log.info('the store is reachable again and this daemon holds its lease', { host: this.host });
    }
    this.checkFenceIn(sentAt + fenceAfterMs(this.d.leaseMs) - this.mono());
    if (this.refused) {
      this.refused = false;
      this.d.workers.wake();
    }
  }

  /**
   * Whether this daemon may claim: only while it is sure it holds its lease (renewed within the
   * fence's time). One back from a cut may have been taken over or forgotten (`hosts forget`) by
   * then; it renews (or learns it was forgotten, and stops) before it takes any task, so no task
   * starts on a host the store has written off. A refusal renews at once, and the workers are
   * woken when the lease is held again.
   */
  mayClaim(): boolean {
    if (this.renewedAt > 0 && this.mono() - this.renewedAt < fenceAfterMs(this.d.leaseMs)) return true;
    this.refused = true;
    if (this.renewedAt > 0) this.beatNow(); // not before start() has registered
    return false;
  }

  private beatNow(): void {
    if (this.closed) return;
    this.beating ??= this.beat().finally(() => (this.beating = undefined));
  }

  private checkFenceIn(ms: number): void {
    clearTimeout(this.fenceTimer);
    if (this.closed) return;
    this.fenceTimer = setTimeout(() => this.fenceCheck(), Math.max(0, ms));
    this.fenceTimer.unref();
  }

  /**
   * Not renewed for fenceAfterMs: a peer may take this daemon's tasks over soon and run them again,
   * so their processes stop now (SIGKILL to each group, through its worker). Their exit reports end
   * the attempts LOST (retried by policy) if this daemon still holds them when the store is back,
   * and are refused if a peer took them over. Checked again while cut off.
   */
  private fenceCheck(): void {
    if (this.closed) return;
    const silentMs = this.mono() - this.renewedAt;
    if (silentMs < fenceAfterMs(this.d.leaseMs)) return;
    // Checked again every 0.5 s while cut off: a task may start meanwhile.
    this.checkFenceIn(500);
    if (!this.shared) return;
    const secs = Math.round(silentMs / 100) / 10;
    const reason = `its daemon ${this.host} could not reach the store for ${secs}s (store.lease ${this.d.leaseMs / 1000}s): it stopped the process so that it could not run twice`;
    const at = this.d.now();
    const stopped: string[] = [];
    for (const w of this.d.workers.list()) {
      for (const id of w.running) {
        if (this.d.fence.isFenced(id) || this.d.fence.hasEnded(id)) continue;
        this.d.fence.fence(id, at, reason);
        this.d.workers.send(w.id, { action: 'kill', id, signal: 'SIGKILL' });
        stopped.push(id);
      }
    }
    if (!this.fencing || stopped.length > 0) {
      this.d.log.warn(
        "could not renew this daemon's lease: stopped its tasks' processes before another daemon can take them over (they end LOST and are retried by their retry policy)",
        { host: this.host, silentMs: Math.round(silentMs), tasks: stopped },
      );
    }
    this.fencing = true;
  }

  get host(): string {
    return this.d.store.host!;
  }

  async start(): Promise<void> {
    const sent = this.mono();
    const f = await this.d.store.leases.register(this.d.leaseMs);
    if (f) throw forgottenError(this.host, f);
    this.renewed(sent);
    this.shared = (await this.d.store.leases.others()) > 0;
    this.forgotten = (await this.d.store.leases.forgotten()).length;
    await this.d.store.watch(
      (p) => this.heard(p),
      (message, fields) => this.d.log.warn(message, fields),
    );
    this.timer = setInterval(() => this.beatNow(), Math.max(1000, Math.floor(this.d.leaseMs / 3)));
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.fenceTimer);
    await this.beating;
  }

  private heard(p: PeerChanges): void {
    this.d.engine.fromPeers(p.changes, p.removed);
    for (const { task } of p.changes) {
      if (task.host === this.host && task.worker !== undefined && task.state === 'RUNNING' && task.stopRequested) {
        // Killed from another daemon: this one's worker runs it.
        this.d.workers.send(task.worker, { action: 'kill', id: task.id, signal: task.stopSignal ?? 'SIGTERM' });
      }
      // Ended (a peer took it over: its worker is cleared then), or held by another daemon or worker
      // now: a process this daemon's worker still runs for it must not go on.
      if (this.d.workers.list().some((w) => w.running.includes(task.id) && !this.ours(task, w.id))) this.drop(task.id, `another daemon ended it ${task.state}`);
    }
    for (const id of p.removed) this.drop(id, 'another daemon removed it');
  }

  /** The store says this daemon's worker `worker` holds the task. */
  private ours(task: Task, worker: string): boolean {
    return task.host === this.host && task.worker === worker && active(task.state);
  }

  /** A task one of this daemon's workers holds was ended elsewhere (its lease was taken): its process must not go on. */
  private drop(id: string, why: string): void {
    for (const w of this.d.workers.list()) {
      if (!w.running.includes(id)) continue;
      this.d.workers.hold(w.id, id, false);
      const ended = this.d.fence.hasEnded(id);
      const fenced = this.d.fence.isFenced(id);
      this.d.fence.settled(id);
      // Its worker reported its process ended: nothing to signal.
      if (ended) {
        this.d.log.info('a task this daemon no longer holds had already ended', { task: id, worker: w.id, why });
        continue;
      }
      this.d.workers.send(w.id, { action: 'kill', id, signal: 'SIGKILL' });
      if (fenced) this.d.log.info('a task this daemon no longer holds was already stopped (its lease could not be renewed)', { task: id, worker: w.id, why });
      else this.d.log.warn('stopped a task this daemon no longer holds', { task: id, worker: w.id, why });
    }
  }

  /**
   * Stop what this daemon's workers run for tasks the store says are no longer theirs: the safety
   * net behind the notifications (a takeover committed while this daemon was starting, before it
   * listened, or a notification missed), run at every renewal.
   */
  private async sweep(why: string): Promise<void> {
    for (const w of this.d.workers.list()) {
      for (const id of [...w.running]) {
        const t = await this.d.store.get(id);
        // Still held after the read: a task that just ended normally has left the worker's list.
        if ((!t || !this.ours(t, w.id)) && this.d.workers.get(w.id)?.running.includes(id)) this.drop(id, why);
      }
    }
  }

  /** Renew the lease (or, if a peer took it, drop what it ended and register again), then take over peers whose lease ran out. */
  private async beat(): Promise<void> {
    if (this.closed) return;
    const { store, log } = this.d;
    try {
      const sent = this.mono();
      if (!(await store.leases.renew(this.d.leaseMs))) {
        log.warn(
          "this daemon's lease ran out and another daemon took its tasks over (it could not reach the store for longer than store.lease); dropping them and registering again",
          {
            host: this.host,
          },
        );
        await this.sweep('its lease was taken over');
        const again = this.mono();
        const f = await store.leases.register(this.d.leaseMs);
        if (f) {
          const e = forgottenError(this.host, f);
          log.error('this daemon was forgotten (hosts forget) while it could not renew its lease: stopping', { host: this.host, hint: e.hint });
          this.d.stop('forgotten by hosts forget');
          return;
        }
        this.renewed(again);
      } else {
        this.renewed(sent);
        await this.sweep('a peer took it over');
      }
      this.shared = (await store.leases.others()) > 0;
      for (const name of await store.leases.expired()) {
        const changes: Change[] = await store.takeOver(name, this.d.now());
        const taken = changes.filter((c) => c.from !== null && active(c.from)).map((c) => c.task.id);
        log.warn('a daemon stopped renewing its lease; its claimed and running tasks were ended here (retried by their retry policy)', { host: name, tasks: taken });
        this.d.engine.after(changes);
      }
      const forgotten = (await store.leases.forgotten()).length;
      if (forgotten !== this.forgotten) this.d.hostForgotten();
      this.forgotten = forgotten;
      await this.d.refreshSchedules();
    } catch (err) {
      log.warn('could not renew the lease or check the other daemons; trying again', { err: String(err) });
    }
  }
}

/** Starting (or registering again) under a name `hosts forget` forgot: refused, with how to rejoin. */
export function forgottenError(host: string, f: Forgotten): BlanketError {
  return new BlanketError(
    'HOST_FORGOTTEN',
    `this daemon's name ${host} (store.host) was forgotten by 'blanket hosts forget' on ${f.by} at ${new Date(f.at).toISOString()}: the store wrote off the output of its tasks, so it cannot hold tasks under that name again`,
    {
      hint: `to rejoin, set a new name in this home's config.toml ([store] host = "${host}-2", or any name not in 'blanket hosts ls') and start again; the results in this home stay where they are`,
      details: { host, forgottenAt: f.at, forgottenBy: f.by },
    },
  );
}
