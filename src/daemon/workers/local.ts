// The daemon's local workers: the default one, those adopted from a daemon before us (a crash
// or a restart) that outlived it, and the record on disk of which are running, so the daemon
// after us adopts them instead of starting a second one beside each.
import os from 'node:os';
import type { Config } from '../../core/config.js';
import type { Paths } from '../../core/paths.js';
import { processStartTime } from '../../os/proc.js';
import { killRecorded, liveRecordedWorkers, recordWorkers, type RecordedWorker } from '../adopt.js';
import type { Engine } from '../engine.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { WorkerRegistry } from './registry.js';
import type { LocalWorkerSpec, Supervisor } from './supervisor.js';

/** How long tasks of a worker that has not (re)connected since start are given before they end LOST. */
const RECONNECT_GRACE_MS = 15_000;

export interface LocalWorkersDeps {
  paths: Paths;
  config: Config;
  supervisor: Supervisor;
  workers: WorkerRegistry;
  engine: Engine;
  store: Store;
  log: Logger;
  /** Tags of the default local worker. */
  defaultTags: string[];
  /** The daemon is stopping: nothing is restarted. */
  stopping(): boolean;
}

export class LocalWorkers {
  /** Local workers from before that outlived the last daemon: not our children. */
  private readonly adopted = new Map<string, RecordedWorker>();

  constructor(private readonly d: LocalWorkersDeps) {}

  /** Write down which local workers run now (ours and adopted ones still running). */
  record(): void {
    const { supervisor } = this.d;
    recordWorkers(this.d.paths, [
      ...supervisor.specs().flatMap((spec) => {
        const pid = supervisor.pid(spec.name);
        return pid ? [{ spec, pid, ...(processStartTime(pid) !== undefined ? { pidStart: processStartTime(pid)! } : {}) }] : [];
      }),
      // Adopted workers still running stay recorded, or the daemon after us would start a second one beside each.
      ...[...this.adopted.values()].filter((w) => !supervisor.has(w.spec.name) && processStartTime(w.pid) === w.pidStart),
    ]);
  }

  /** None are running (a stop that does not keep them). */
  forget(): void {
    recordWorkers(this.d.paths, []);
  }

  /**
   * Workers from before (a crash or a restart) get a grace period to reconnect, their tasks wait for them;
   * then the default worker is started unless it was adopted. Returns the names adopted.
   */
  async start(): Promise<string[]> {
    const { paths, workers, supervisor, engine, store, log } = this.d;
    for (const w of liveRecordedWorkers(paths)) this.adopted.set(w.spec.name, w);
    const adopted = new Set(this.adopted.keys());
    const orphans = new Set((await store.active()).map((t) => t.worker).filter((w): w is string => w !== undefined));
    const grace = setTimeout(() => {
      for (const w of liveRecordedWorkers(paths)) {
        // Only workers from before: one the supervisor started since (a restart) may still be starting up.
        if (adopted.has(w.spec.name) && supervisor.pid(w.spec.name) !== w.pid && !workers.connected(w.spec.name)) {
          log.warn('a worker from before did not reconnect; stopping it', { worker: w.spec.name, workerPid: w.pid });
          killRecorded(w);
        }
      }
      for (const id of orphans) if (!workers.connected(id)) void engine.workerLost(id, 'did not reconnect after the daemon restarted');
      for (const name of adopted) if (!workers.connected(name) && !supervisor.has(name)) this.restartAdopted(name);
      this.record();
    }, RECONNECT_GRACE_MS);
    grace.unref();
    if (!adopted.has('local') && this.slots() > 0) this.startLocal(this.defaultSpec());
    return [...adopted];
  }

  /** An adopted worker is gone (exited, or silent): a supervised one takes its place, as for our own. */
  restartAdopted(name: string): void {
    const w = this.adopted.get(name);
    if (!w || this.d.stopping() || this.d.supervisor.has(name)) return;
    this.adopted.delete(name);
    killRecorded(w); // one that hangs must not come back beside its successor (its start time is checked first)
    this.startLocal(name === 'local' ? this.defaultSpec() : w.spec);
  }

  private slots(): number {
    return this.d.config.worker.slots ?? os.availableParallelism();
  }

  private defaultSpec(): LocalWorkerSpec {
    return { name: 'local', slots: this.slots(), tags: [...new Set([...this.d.defaultTags, ...this.d.config.worker.extraTags])].sort() };
  }

  private startLocal(spec: LocalWorkerSpec): void {
    this.d.supervisor.start(spec);
    this.record();
  }
}
