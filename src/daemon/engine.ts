// Every task change goes through here: the store applies it (one batch),
// then subscribers hear of it, finished tasks get their task.json, idle
// workers are woken, and the one not-before timer is re-armed.
import { constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isTerminal, type Task } from '../protocol/model.js';
import type { TaskEvent } from '../core/states.js';
import { withoutCallerEnv } from '../core/callerenv.js';
import type { EventBus } from './events.js';
import type { Logger } from './log.js';
import type { Change, Store, SubmitAlso, TaskDraft } from './store/store.js';
import type { WorkerRegistry } from './workers/registry.js';
import { isRunnable } from './store/keys.js';
import { signalGroup, taskGroups } from '../os/proc.js';
import { FailureBackoff } from '../core/backoff.js';
import { NO_POLICY, type DispatchPolicy } from '../core/dispatch.js';

/** Timers longer than this are re-armed, so a wall-clock jump is noticed within it. */
const MAX_TIMER_MS = 60_000;

export class Engine {
  private dueTimer: NodeJS.Timeout | undefined;
  private dueAt: number | undefined;
  private closed = false;
  /** Releasing due tasks failed (a full disk): retry later, not at once, and log it once in a while. */
  private readonly dueBackoff = new FailureBackoff();
  /** One timer for the earliest time a rate-limited type may start again. */
  private rateTimer: NodeJS.Timeout | undefined;
  private rateAt: number | undefined;
  /** Whether this daemon may claim now (on a shared store: while it holds its lease; see Peers.mayClaim). */
  private mayClaim: () => boolean = () => true;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly workers: WorkerRegistry,
    private readonly log: Logger,
    private readonly now: () => number,
    /** Rate limits and weights in force (the task types and config.toml's [labels]), read at each claim. */
    private readonly policy: () => DispatchPolicy = () => NO_POLICY,
  ) {}

  /** Claims are made only while `may` says so (a daemon on a shared store: while it holds its lease). */
  gateClaims(may: () => boolean): void {
    this.mayClaim = may;
  }

  /** `also`: records written in the same batch (a schedule's fire with the task it makes). */
  async submit(drafts: TaskDraft[], also?: SubmitAlso): Promise<Task[]> {
    const tasks = await this.store.submit(drafts, this.now(), also);
    this.after(tasks.map((task) => ({ task, from: null })));
    return tasks;
  }

  async apply(id: string, event: TaskEvent): Promise<Change[]> {
    const changes = await this.store.apply(id, event);
    this.after(changes);
    return changes;
  }

  /**
   * A worker's exit report and the claim of the next task for the slot it frees, in one store batch
   * where the store can (two otherwise). Subscribers hear of both, the report's changes first.
   */
  async applyThenClaim(id: string, event: TaskEvent, worker: string, tags: string[]): Promise<{ changes: Change[]; claimed: Task | undefined }> {
    if (!this.mayClaim()) return { changes: await this.apply(id, event), claimed: undefined };
    if (!this.store.applyThenClaim) {
      const changes = await this.apply(id, event);
      return { changes, claimed: await this.claim(worker, tags) };
    }
    const { changes, claimed } = await this.store.applyThenClaim(id, event, { worker, tags, now: this.now(), policy: this.policy() });
    this.after(claimed ? [...changes, claimed] : changes);
    if (!claimed) this.armRate();
    return { changes, claimed: claimed?.task };
  }

  async claim(worker: string, tags: string[]): Promise<Task | undefined> {
    if (!this.mayClaim()) return undefined;
    const change = await this.store.claim({ worker, tags, now: this.now(), policy: this.policy() });
    if (change) this.after([change]);
    else this.armRate();
    return change?.task;
  }

  /**
   * A claim found nothing it may take: if a rate limit held a type back, wake the workers when its
   * window opens (a timer, at most MAX_TIMER_MS ahead; a claim then finding it still shut re-arms it).
   */
  private armRate(): void {
    if (this.closed) return;
    this.store.rateLimited(this.policy(), this.now()).then(
      (held) => {
        const at = Math.min(...Object.values(held));
        if (!Number.isFinite(at) || this.closed || (this.rateAt !== undefined && this.rateAt <= at)) return;
        clearTimeout(this.rateTimer);
        this.rateAt = at;
        this.rateTimer = setTimeout(
          () => {
            this.rateAt = undefined;
            this.workers.wake();
          },
          Math.max(0, Math.min(at - this.now(), MAX_TIMER_MS)),
        );
      },
      (err) => this.log.warn('cannot read the rate-limit windows', { err: String(err) }),
    );
  }

  /** Types held back by their rate limit now, and until when (for ps and show). */
  rateLimited(): Promise<Record<string, number>> {
    return this.store.rateLimited(this.policy(), this.now());
  }

  /** Publish, archive, wake, re-arm. */
  after(changes: Change[]): void {
    // A write went through, so there is room again: due tasks are released now, not after the backoff.
    if (changes.length > 0 && this.dueBackoff.failing) {
      this.log.info('due tasks can be released again', { failedAttempts: this.dueBackoff.succeed() });
      this.armDue();
    }
    let wake = false;
    const tagSets: string[][] = [];
    for (const { task, from } of changes) {
      this.events.publish({ kind: 'task', task, from });
      if (isRunnable(task)) {
        wake = true;
        tagSets.push(task.tags);
      }
      if (from !== task.state && (from === 'CLAIMED' || from === 'RUNNING')) {
        // A slot (and maybe a max_concurrent place) is free: anyone may take the next.
        wake = true;
        for (const w of this.workers.list()) this.workers.hold(w.id, task.id, false);
      }
      if (task.worker !== undefined && (task.state === 'CLAIMED' || task.state === 'RUNNING')) this.workers.hold(task.worker, task.id, true);
      if (isTerminal(task.state) && from !== task.state) void this.archive(task);
      if (task.notBefore !== undefined && (this.dueAt === undefined || task.notBefore < this.dueAt)) this.armDue();
    }
    if (wake) this.workers.wake(changes.some((c) => c.from === 'CLAIMED' || c.from === 'RUNNING') ? undefined : tagSets);
  }

  /**
   * Changes other daemons on the same store made: published (marked as theirs, so hooks run
   * there), idle workers woken for new runnable work or a freed max_concurrent place, the
   * not-before timer re-armed. Their workers and result files are theirs: not held, not archived.
   */
  fromPeers(changes: Change[], removed: string[]): void {
    for (const id of removed) this.events.publish({ kind: 'task.removed', id });
    let wake = false;
    for (const { task, from } of changes) {
      this.events.publish({ kind: 'task', task, from, peer: true });
      if (isRunnable(task) || ((from === 'CLAIMED' || from === 'RUNNING') && from !== task.state)) wake = true;
      if (task.notBefore !== undefined && (this.dueAt === undefined || task.notBefore < this.dueAt)) this.armDue();
    }
    if (wake) this.workers.wake(undefined);
  }

  private async archive(task: Task): Promise<void> {
    try {
      // Never through a symlink or into a FIFO: a task run as another user owns the directory.
      const flag = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
      await writeFile(path.join(task.resultDir, 'task.json'), JSON.stringify(withoutCallerEnv(task), null, 2) + '\n', { mode: 0o600, flag }); // it holds the task's env
    } catch (err) {
      // A task that never ran may have no result dir; that is fine.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn('cannot write task.json', { task: task.id, err: String(err) });
    }
  }

  /** Arm the single timer for the earliest not-before time (no sooner than the backoff after a failure). */
  armDue(): void {
    if (this.closed) return;
    this.store.nextDue().then(
      (at) => {
        clearTimeout(this.dueTimer);
        this.dueAt = at;
        if (at === undefined || this.closed) return;
        const delay = Math.max(this.dueBackoff.delayMs, Math.min(at - this.now(), MAX_TIMER_MS));
        this.dueTimer = setTimeout(() => void this.fireDue(), delay);
      },
      (err) => this.dueFailed(undefined, err),
    );
  }

  private async fireDue(): Promise<void> {
    this.dueAt = undefined;
    try {
      for (;;) {
        const ids = await this.store.due(this.now(), 500);
        for (const id of ids) {
          try {
            await this.apply(id, { type: 'due', at: this.now() });
          } catch (err) {
            // The rest would fail alike (a full disk), and the same ids would come back at once: back off.
            return this.dueFailed(id, err);
          }
        }
        if (ids.length < 500) break;
      }
    } catch (err) {
      return this.dueFailed(undefined, err);
    }
    this.armDue();
  }

  /** Releasing due tasks failed: try again after a growing delay (100 ms to 5 s), with a log line at most once a minute. */
  private dueFailed(task: string | undefined, err: unknown): void {
    const { delayMs, log } = this.dueBackoff.fail(this.now());
    if (log > 0) this.log.warn('due tasks could not be released; retrying with backoff', { ...(task ? { task } : {}), err: String(err), failedAttempts: log, retryMs: delayMs });
    if (this.closed) return;
    clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => void this.fireDue(), delayMs);
  }

  /** A worker is gone: its tasks end LOST (or retry), after their process groups are verified dead or killed. */
  async workerLost(workerId: string, reason: string): Promise<void> {
    for (const task of await this.store.active(workerId)) await this.writeOff(task, `worker ${workerId}: ${reason}`);
  }

  /**
   * A task its worker no longer holds. RUNNING: its process group is killed (pid and start time
   * verified first) and it ends LOST. CLAIMED: it goes back to the queue, unless its process did
   * start and the worker vanished before reporting it: then that process (found by the task id in
   * its environment) is killed and the task ends LOST, so it cannot run twice.
   */
  async writeOff(task: Task, reason: string): Promise<void> {
    try {
      if (task.state === 'CLAIMED') {
        const found = taskGroups(task.id, path.dirname(task.resultDir));
        if (found.length > 0) {
          const g = found[0]!;
          await this.apply(task.id, { type: 'start', pid: g.pgid, pgid: g.pgid, pidStart: g.leaderStart, at: this.now() });
          task = (await this.store.get(task.id)) ?? task;
          for (const other of found)
            if (signalGroup(other.pgid, other.leaderStart, 'SIGKILL'))
              this.log.warn('killed the process group of a task its worker started but never reported', { task: task.id, pgid: other.pgid });
        }
      }
      if (task.state === 'RUNNING' && task.pgid !== undefined && task.pidStart !== undefined) {
        if (signalGroup(task.pgid, task.pidStart, 'SIGKILL')) this.log.warn('killed the orphaned process group of a lost task', { task: task.id, pgid: task.pgid });
      }
      await this.apply(task.id, { type: 'lost', at: this.now(), reason });
    } catch (err) {
      this.log.warn('could not mark task lost', { task: task.id, err: String(err) });
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.dueTimer);
    clearTimeout(this.rateTimer);
  }
}
