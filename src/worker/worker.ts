// The worker: registers with the daemon, claims tasks when woken, runs them,
// reports. It keeps running tasks through a lost connection and reports what
// happened meanwhile when it is back.
import os from 'node:os';
import type { Client } from '../client/client.js';
import { connect } from '../client/connect.js';
import type { Paths } from '../core/paths.js';
import { KeyedSerial } from '../core/serial.js';
import { normalizeSignal } from '../core/signals.js';
import type { ControlMessage, WorkerSettings } from '../protocol/methods.js';
import type { HeldTask, Task } from '../protocol/model.js';
import type { Logger } from '../log.js';
import { BlanketError } from '../protocol/errors.js';
import { TaskRun, type ExitReport } from './runner.js';

export interface WorkerOptions {
  name: string;
  tags: string[];
  slots: number;
  local: boolean;
  paths: Paths;
  /** Every line already carries the worker's name. */
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** The umask tasks run under (the worker's own is 077). */
  taskUmask?: number;
  /** Give up (exit) when the daemon has been away this long and nothing runs. */
  orphanTimeoutMs?: number;
}

/** After this long with nothing running, a worker that ran tasks collects its garbage once. */
const IDLE_GC_MS = 5_000;
/** Stopping (SIGTERM): how long after its tasks' kill grace a worker waits for the daemon to take their exit reports. */
export const STOP_REPORT_GRACE_MS = 5_000;
/** The kill grace before the daemon's settings are known (config.worker.kill_grace's default). */
const DEFAULT_KILL_GRACE_MS = 10_000;

export class Worker {
  private client: Client | undefined;
  private id: string | undefined;
  private settings: WorkerSettings | undefined;
  private runs = new Map<string, TaskRun>();
  private paused = false;
  private stopping = false;
  private claiming = false;
  private wakeAgain = false;
  /** A wake came while every slot was taken (a task's exit report still in flight): claim once one frees. */
  private wokenFull = false;
  private claimRetryMs = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private exitResolve!: () => void;
  readonly exited = new Promise<void>((r) => (this.exitResolve = r));

  constructor(private opts: WorkerOptions) {}

  async start(): Promise<void> {
    await this.connectLoop();
  }

  private get free(): number {
    return Math.max(0, this.opts.slots - this.runs.size);
  }

  private async connectLoop(): Promise<void> {
    const away = Date.now();
    for (let wait = 20; ; wait = Math.min(wait * 2, 2000)) {
      if (this.stopping && this.runs.size === 0) return this.exit();
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        if (err instanceof BlanketError && err.code === 'EXISTS') {
          // Replaced while we were away: our tasks were written off, so they must not go on.
          this.opts.log.warn('another worker has our name now; stopping', { err: err.message });
          this.shutdown();
          if (this.runs.size > 0) await Promise.all([...this.runs.values()].map((r) => r.done));
          return this.exit();
        }
        this.opts.log.warn('daemon unreachable; retrying', { err: (err as Error).message, waitMs: wait });
        if (this.runs.size === 0 && Date.now() - away > (this.opts.orphanTimeoutMs ?? 5 * 60_000)) {
          this.opts.log.warn('the daemon did not come back; exiting');
          return this.exit();
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const client = await connect({ paths: this.opts.paths, autostart: false, clientName: `worker ${this.opts.name}` });
    // An offer can come before the register's reply (the daemon offers once it has reconciled
    // what we hold): those tasks are ours, run once we are registered.
    const early: Task[] = [];
    client.onNotification('control', (msg) => {
      const m = msg as ControlMessage;
      if (m.action === 'offer' && this.client !== client) early.push(...m.tasks);
      else this.onControl(m);
    });
    client.onClose(() => {
      if (this.client !== client) return;
      this.client = undefined;
      clearInterval(this.heartbeat);
      this.opts.log.warn('lost the daemon connection');
      void this.connectLoop();
    });
    const held: HeldTask[] = [...this.runs.values()].map((r) => ({
      id: r.task.id,
      attempt: r.task.attempt,
      ...(r.pid !== undefined ? { pid: r.pid, pgid: r.pgid!, startedAt: r.startedAt! } : {}),
      ...(r.pidStart !== undefined ? { pidStart: r.pidStart } : {}),
      ...(r.exit ? { exit: { exitCode: r.exit.exitCode, signal: r.exit.signal, cause: r.exit.cause, at: r.exit.at } } : {}),
    }));
    const params = {
      ...(this.id !== undefined ? { id: this.id } : {}),
      name: this.opts.name,
      tags: this.opts.tags,
      slots: this.opts.slots,
      pid: process.pid,
      host: os.hostname(),
      local: this.opts.local,
      held,
    };
    let res;
    try {
      // Offers: the daemon claims for us and sends the tasks, instead of a wake and our claim.
      res = await client.call('worker.register', { ...params, offers: true }).catch((err: unknown) => {
        // A daemon from before offers refuses the field: register as before (woken, then claiming).
        if (err instanceof BlanketError && err.code === 'INVALID_PARAMS' && /offers/.test(err.message)) return client.call('worker.register', params);
        throw err;
      });
    } catch (err) {
      client.close();
      throw err;
    }
    this.client = client;
    this.id = res.worker.id;
    this.settings = res.settings;
    this.paused = res.worker.state === 'paused';
    // What `held` said is now known to the daemon: runs it reported finished can go. A run that
    // started or ended while the register call was on its way was not in it: report that now.
    for (const h of held) {
      const r = this.runs.get(h.id);
      if (!r) continue;
      if (h.exit) {
        this.runs.delete(h.id);
        this.sends.delete(h.id);
      } else if (r.exit) this.onFinished(h.id, r.task.attempt, r.exit);
      else if (h.pid === undefined && r.pid !== undefined) this.reportStarted(r);
    }
    for (const [id, r] of this.runs) {
      if (held.some((h) => h.id === id)) continue;
      if (r.pid !== undefined) this.reportStarted(r);
      if (r.exit) this.onFinished(id, r.task.attempt, r.exit);
    }
    for (const t of early) if (!this.runs.has(t.id)) this.run(t);
    this.heartbeat = setInterval(() => void this.beat(), res.settings.heartbeatMs);
    this.heartbeat.unref();
    this.opts.log.info('registered', { workerId: this.id, tags: this.opts.tags, slots: this.opts.slots, held: held.length });
    void this.claim();
  }

  private async beat(): Promise<void> {
    try {
      await this.client?.call('worker.heartbeat', { worker: this.id!, running: [...this.runs.keys()] });
    } catch {
      // the close handler reconnects
    }
  }

  private onControl(msg: ControlMessage): void {
    switch (msg.action) {
      case 'wake':
        void this.claim();
        break;
      case 'offer':
        // Claimed for us (never beyond our free slots as the daemon counts them): they run.
        for (const t of msg.tasks) if (!this.runs.has(t.id)) this.run(t);
        break;
      case 'kill':
        this.runs.get(msg.id)?.stop(normalizeSignal(msg.signal) ?? 'SIGTERM', 'killed');
        break;
      case 'pause':
        this.paused = true;
        break;
      case 'resume':
        this.paused = false;
        void this.claim();
        break;
      case 'stop':
        this.stopping = true;
        if (msg.kill) for (const r of this.runs.values()) r.stop('SIGTERM', 'killed');
        if (this.runs.size === 0) this.exit();
        break;
    }
  }

  /** Claim as many tasks as there are free slots; a wake during a claim claims again after it. */
  private async claim(): Promise<void> {
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.wakeAgain = false;
        if (!this.client || this.paused || this.stopping) break;
        if (this.free === 0) {
          this.wokenFull = true;
          break;
        }
        this.wokenFull = false;
        const { tasks } = await this.client.call('worker.claim', { worker: this.id!, max: this.free });
        for (const t of tasks) this.run(t);
        if (tasks.length > 0 && this.free > 0) this.wakeAgain = true;
      } while (this.wakeAgain);
      this.claimRetryMs = 0;
    } catch (err) {
      // The wake that brought us here will not come again (e.g. the store was full):
      // try again later, backing off, until a claim goes through.
      this.claimRetryMs = Math.min(30_000, Math.max(500, this.claimRetryMs * 2));
      this.opts.log.warn('claim failed; retrying', { err: (err as Error).message, retryMs: this.claimRetryMs });
      if (this.client) setTimeout(() => void this.claim(), this.claimRetryMs).unref();
    } finally {
      this.claiming = false;
    }
  }

  /** Reports of one task go in order (started before finished), each after the previous answered. */
  private reports = new KeyedSerial();

  private run(task: Task): void {
    const s = this.settings!;
    const run = new TaskRun(
      task,
      {
        killGraceMs: s.killGraceMs,
        maxOutputBytes: s.maxOutputBytes,
        resultsRoot: s.resultsRoot,
        socket: s.socket,
        workerId: this.id!,
        ...(this.opts.taskUmask !== undefined ? { taskUmask: this.opts.taskUmask } : {}),
      },
      {
        started: () => {
          this.opts.log.info('task started', { task: task.id, type: task.type, attempt: task.attempt, taskPid: run.pid });
          this.reportStarted(run);
        },
        finished: (rep) => this.onFinished(task.id, task.attempt, rep),
        progress: (percent, message) => void this.report((c) => c.call('progress', { id: task.id, percent, message }).then(() => {})),
      },
    );
    this.runs.set(task.id, run);
    void run.start().catch((err) => this.opts.log.error('task failed to start', { task: task.id, err: String(err) }));
  }

  private reportStarted(run: TaskRun): void {
    const id = run.task.id;
    // In the task's chain, so its exit is never reported before its start; a start the daemon could
    // not store (a full disk) is sent again with backoff, or the exit would find the task never started.
    void this.reports.run(id, async () => {
      for (let ms = 500; ; ms = Math.min(30_000, ms * 2)) {
        const sent = await this.report(async (c) => {
          let r;
          try {
            r = await c.call('worker.started', {
              worker: this.id!,
              id,
              attempt: run.task.attempt,
              pid: run.pid!,
              pgid: run.pgid!,
              ...(run.pidStart !== undefined ? { pidStart: run.pidStart } : {}),
              at: run.startedAt!,
            });
          } catch (err) {
            // The daemon wrote this attempt off while it was starting (it may run elsewhere now): it must not go on.
            if (err instanceof BlanketError && err.code === 'STALE_REPORT') run.stop('SIGKILL', 'killed');
            throw err;
          }
          // Killed while it was being started.
          if (r.stop) run.stop('SIGTERM', 'killed');
        });
        if (sent !== 'retry' || this.client === undefined || !this.runs.has(id)) return sent;
        await new Promise((r) => setTimeout(r, ms));
      }
    });
  }

  private retryMs = new Map<string, number>();
  private idleGc: NodeJS.Timeout | undefined;

  /**
   * A full GC once the worker has run nothing for IDLE_GC_MS: V8 keeps the heap a busy spell grew
   * (68 MB after 3000 tasks, still a minute later) and gives it back only on a GC it does not run
   * while idle. Local workers start with --expose-gc (WORKER_NODE_FLAGS); without it, nothing.
   */
  private collectWhenIdle(): void {
    clearTimeout(this.idleGc);
    this.idleGc = setTimeout(() => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (this.runs.size > 0 || !gc) return;
      const before = process.memoryUsage.rss();
      gc();
      this.opts.log.debug('idle: collected garbage', { rssBeforeMB: Math.round(before / 2 ** 20), rssAfterMB: Math.round(process.memoryUsage.rss() / 2 ** 20) });
    }, IDLE_GC_MS).unref();
  }
  /** How many times each held exit report was sent: logged once as 'task finished', then at debug. */
  private sends = new Map<string, number>();

  private onFinished(id: string, attempt: number, rep: ExitReport): void {
    const sends = (this.sends.get(id) ?? 0) + 1;
    this.sends.set(id, sends);
    if (sends === 1) this.opts.log.info('task finished', { task: id, exitCode: rep.exitCode, signal: rep.signal, cause: rep.cause, ...(rep.reason ? { reason: rep.reason } : {}) });
    else this.opts.log.debug("sending a task's exit report again", { task: id, attempt, sends });
    // The reply brings the next tasks for the slots free once this one is gone (one round trip
    // from a task's exit to the next start, not two).
    let want = 0;
    let next: Task[] | undefined;
    void this.reports
      .run(id, () =>
        this.report(async (c) => {
          want = this.paused || this.stopping ? 0 : Math.max(0, this.opts.slots - this.runs.size + (this.runs.has(id) ? 1 : 0));
          const r = await c.call('worker.finished', {
            worker: this.id!,
            id,
            attempt,
            exitCode: rep.exitCode,
            signal: rep.signal,
            cause: rep.cause,
            at: rep.at,
            ...(rep.reason ? { reason: rep.reason } : {}),
            ...(want > 0 ? { claim: want } : {}),
          });
          next = r.tasks;
        }),
      )
      .then((sent) => {
        if (sent === 'retry') {
          // The daemon could not write it (a full disk): try again, with backoff, until it can.
          const ms = Math.min(30_000, (this.retryMs.get(id) ?? 500) * 2);
          this.retryMs.set(id, ms);
          setTimeout(() => this.runs.get(id) === undefined || this.client === undefined || this.onFinished(id, attempt, rep), ms).unref();
          return;
        }
        if (!sent) return; // kept in `runs` with its exit; re-registering reports it
        this.retryMs.delete(id);
        this.sends.delete(id);
        const mine = this.runs.delete(id); // false: reported already (by a re-register)
        if (this.runs.size === 0) this.collectWhenIdle();
        for (const t of next ?? []) this.run(t); // claimed for us: they run whatever else happened
        if (this.stopping && this.runs.size === 0) this.exit();
        // All we asked for came: more may wait. Fewer: the queue had no more for us for now.
        // None (the daemon could not claim, or did not offer to): an ordinary claim, with its retries.
        // A wake that came while this report was in flight (its slot still taken here) was for a
        // task the reply's claim may have missed (submitted on another daemon meanwhile): claim.
        else if (mine && (next === undefined || next.length >= want || this.wokenFull)) void this.claim();
      });
  }

  /**
   * Send a report now if connected; otherwise (false) it travels in the next register's `held`.
   * 'retry': the daemon answered that it could not store it (yet).
   */
  private async report(send: (c: Client) => Promise<void>): Promise<boolean | 'retry'> {
    const c = this.client;
    if (!c) return false;
    try {
      await send(c);
      return true;
    } catch (err) {
      this.opts.log.warn('report failed', { err: (err as Error).message, code: (err as BlanketError).code });
      if (!(err instanceof BlanketError) || err.code === 'DAEMON_UNAVAILABLE') return false; // no answer: resent on re-register
      // It could not store it (a full disk, damage, a bug): it must not be dropped.
      if (err.code === 'STORE_FULL' || err.code === 'STORE_UNAVAILABLE' || err.code === 'STORE_CORRUPT' || err.code === 'INTERNAL' || err.code === 'SHUTTING_DOWN') return 'retry';
      // The daemon answered with a verdict (the task already ended; STALE_REPORT: this attempt is no
      // longer ours): it knows better; nothing to resend.
      return true;
    }
  }

  private stopTimer: NodeJS.Timeout | undefined;

  /**
   * Stop claiming, stop running tasks (SIGTERM, SIGKILL after the kill grace), report, exit. Bounded:
   * reports the daemon has not taken within STOP_REPORT_GRACE_MS after the kill grace (it is gone,
   * or does not answer) are given up, and the worker exits; the daemon then finds those tasks'
   * worker gone and ends them by its usual rule (LOST, retried by policy).
   */
  shutdown(): void {
    this.stopping = true;
    for (const r of this.runs.values()) r.stop('SIGTERM', 'killed');
    if (this.runs.size === 0) return this.exit();
    this.stopTimer ??= setTimeout(
      () => {
        const unsent = [...this.runs.values()];
        this.opts.log.warn('stopping: the daemon did not take these exit reports in time; exiting without them', {
          tasks: unsent.map((r) => r.task.id),
          stillRunning: unsent.filter((r) => !r.exit).map((r) => r.task.id),
        });
        this.exit();
      },
      (this.settings?.killGraceMs ?? DEFAULT_KILL_GRACE_MS) + STOP_REPORT_GRACE_MS,
    );
  }

  private exited_ = false;
  private exit(): void {
    if (this.exited_) return;
    this.exited_ = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.stopTimer);
    this.client?.close();
    this.exitResolve();
  }
}
