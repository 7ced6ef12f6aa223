// Peer daemons on one PostgreSQL store (docs/operations.md, "Many hosts"): this daemon hears
// what the others change, holds its lease (renewed every third of store.lease), and takes over
// the claimed and running tasks of a daemon whose lease ran out. A daemon that finds its own
// lease taken (it was cut off) drops the tasks a peer ended and registers again. At each
// renewal the schedules are read again (other daemons add, pause and remove them).
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

export interface PeersDeps {
  store: PostgresStore;
  engine: Engine;
  workers: WorkerRegistry;
  log: Logger;
  leaseMs: number;
  now(): number;
  /** Read the schedules again: other daemons add, pause and remove them. */
  refreshSchedules(): Promise<void>;
  /** A host was forgotten (`hosts forget`, here or on a peer): its finished tasks are archivable here now. */
  hostForgotten(): void;
  /** This daemon's own name was forgotten while it ran: it must stop (see start()). */
  stop(reason: string): void;
}

const active = (s: State) => ACTIVE_STATES.includes(s);

export class Peers {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private closed = false;
  private forgotten = 0;

  constructor(private readonly d: PeersDeps) {}

  get host(): string {
    return this.d.store.host!;
  }

  async start(): Promise<void> {
    const f = await this.d.store.leases.register(this.d.leaseMs);
    if (f) throw forgottenError(this.host, f);
    this.forgotten = (await this.d.store.leases.forgotten()).length;
    await this.d.store.watch(
      (p) => this.heard(p),
      (message, fields) => this.d.log.warn(message, fields),
    );
    this.timer = setInterval(
      () => {
        this.beating ??= this.beat().finally(() => (this.beating = undefined));
      },
      Math.max(1000, Math.floor(this.d.leaseMs / 3)),
    );
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
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
      this.d.workers.send(w.id, { action: 'kill', id, signal: 'SIGKILL' });
      this.d.workers.hold(w.id, id, false);
      this.d.log.warn('stopped a task this daemon no longer holds', { task: id, worker: w.id, why });
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
      if (!(await store.leases.renew(this.d.leaseMs))) {
        log.warn(
          "this daemon's lease ran out and another daemon took its tasks over (it could not reach the store for longer than store.lease); dropping them and registering again",
          {
            host: this.host,
          },
        );
        await this.sweep('its lease was taken over');
        const f = await store.leases.register(this.d.leaseMs);
        if (f) {
          const e = forgottenError(this.host, f);
          log.error('this daemon was forgotten (hosts forget) while it could not renew its lease: stopping', { host: this.host, hint: e.hint });
          this.d.stop('forgotten by hosts forget');
          return;
        }
      } else await this.sweep('a peer took it over');
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
