// Firing: one timer for the earliest next fire of all schedules (never polling; capped so a
// wall-clock jump is noticed), the catch-up and overlap policies, and the "queue" policy's
// drain when a run ends. A fire's task and the schedule's new cursor are written in one batch,
// so a crash neither loses a fire nor repeats one. A fire or drain that cannot be written (a
// full disk) is retried with a backoff, never at once and never left unhandled.
import type { DaemonEvent, SubmitParams } from '../../protocol/methods.js';
import { isTerminal, type ScheduleRecord, type Task } from '../../protocol/model.js';
import { dueFires } from '../../core/cron.js';
import { FailureBackoff } from '../../core/backoff.js';
import type { Engine } from '../engine.js';
import type { Logger } from '../log.js';
import { StoreError, type Store } from '../store/store.js';
import type { Prepared } from '../submit.js';
import type { ScheduleBook } from './book.js';

/** The timer is re-armed at least this often, so a wall-clock jump is noticed within it. */
const MAX_TIMER_MS = 60_000;
/** At most this many fires wait under the "queue" policy; more are skipped. */
const MAX_QUEUED = 100;
/** How many of a schedule's newest tasks are checked for one still waiting or running. */
const OVERLAP_LOOKBACK = 20;

export interface FiringDeps {
  book: ScheduleBook;
  store: Store;
  engine: Engine;
  log: Logger;
  now(): number;
  prepare(p: SubmitParams): Promise<Prepared>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Firing {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly b: ScheduleBook;

  constructor(private readonly d: FiringDeps) {
    this.b = d.book;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** A task was written: failed fires are retried now; a run that ended lets a fire the "queue" policy held back go. */
  onEvent(e: DaemonEvent): void {
    if (e.kind !== 'task') return;
    // A task was written, so the store takes writes again.
    if ([...this.b.failing.values()].some((f) => f.retryAt > 0)) {
      for (const f of this.b.failing.values()) f.retryAt = 0;
      this.arm();
    }
    if (!e.task.schedule || !isTerminal(e.task.state) || e.from === e.task.state) return;
    const name = e.task.schedule.name;
    if (this.b.records.get(name)?.queued.length) void this.b.exclusive(() => this.drainOrRetry(name));
  }

  /** Decide every schedule whose next fire is due (or whose failed queued fire may be retried), then re-arm. */
  async tick(): Promise<void> {
    if (this.closed) return;
    try {
      const now = this.d.now();
      for (let rec of [...this.b.records.values()]) {
        if (this.b.nextFire(rec) !== undefined && this.b.nextFire(rec)! <= now) {
          // Another daemon on the same store may have fired, paused or removed it since this one last read it.
          const fresh = await this.d.store.getSchedule(rec.name);
          if (!fresh) continue;
          this.b.set(fresh);
          rec = fresh;
        }
        if (rec.paused) continue;
        const failing = this.b.failing.get(rec.name);
        if ((failing?.retryAt ?? 0) > now) continue;
        const next = this.b.nextFire(rec);
        const due = next !== undefined && next <= now;
        // A queued fire whose drain failed is retried here, even with no fire due.
        if (!due && !(failing && rec.queued.length > 0)) continue;
        try {
          if (due) await this.fire(rec, now);
          else await this.drain(rec.name);
          this.succeeded(rec.name);
        } catch (err) {
          this.failed(rec.name, err);
        }
      }
    } finally {
      this.arm();
    }
  }

  /** Drain inside exclusive(); a failure keeps the fire queued and retries it with the backoff. */
  async drainOrRetry(name: string): Promise<void> {
    try {
      const before = this.b.records.get(name);
      if ((await this.drain(name)) !== before) this.succeeded(name);
    } catch (err) {
      this.failed(name, err);
      this.arm();
    }
  }

  /** One timer, for the earliest next fire (or retry) of any schedule. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    let at = Infinity;
    for (const rec of this.b.records.values()) {
      const f = this.b.failing.get(rec.name);
      const retryDrain = f && rec.queued.length > 0 && !rec.paused ? f.retryAt : Infinity;
      at = Math.min(at, Math.max(this.b.nextFire(rec) ?? Infinity, f?.retryAt ?? 0), retryDrain);
    }
    if (at === Infinity) return;
    const delay = Math.min(Math.max(at - this.d.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(
      () => void this.b.exclusive(() => this.tick()).catch((err) => this.d.log.error('the scheduler could not decide its fires', { err: String((err as Error)?.stack ?? err) })),
      delay,
    );
  }

  /** A write of this schedule's went through: it is no longer failing. */
  private succeeded(name: string): void {
    const f = this.b.failing.get(name);
    if (!f) return;
    this.b.failing.delete(name);
    this.d.log.info('schedule fires again', { schedule: name, failedAttempts: f.backoff.succeed() });
  }

  /** A fire failed: retry after a growing delay (100 ms to 5 s), with a log line at most once a minute. */
  private failed(name: string, err: unknown): void {
    let f = this.b.failing.get(name);
    if (!f) this.b.failing.set(name, (f = { backoff: new FailureBackoff(), retryAt: 0 }));
    const { delayMs, log } = f.backoff.fail(this.d.now());
    f.retryAt = this.d.now() + delayMs;
    if (log > 0)
      this.d.log.error('schedule could not fire; retrying with backoff', { schedule: name, err: String((err as Error)?.stack ?? err), failedAttempts: log, retryMs: delayMs });
  }

  /** The due fires of one schedule, through its catch-up policy, then its overlap policy. */
  private async fire(rec: ScheduleRecord, now: number): Promise<void> {
    const cron = this.b.cron(rec.name)!;
    const d = dueFires(cron, rec.cursor, now, rec.catchUp, rec.catchUpMax);
    if (d.cursor === undefined) return;
    let r: ScheduleRecord = { ...rec, updatedAt: now };
    if (d.skipped > 0) {
      const reason = `${d.skipped}${d.capped ? ' or more' : ''} missed fire${d.skipped === 1 ? '' : 's'} up to ${iso(d.cursor)} not run (catch_up = ${rec.catchUp}${rec.catchUp === 'all' ? `, at most ${rec.catchUpMax}` : ''})`;
      r = { ...r, skipped: r.skipped + d.skipped, lastSkip: { at: now, reason } };
      this.d.log.info('schedule missed fires', { schedule: rec.name, missed: d.skipped, until: iso(d.cursor), catchUp: rec.catchUp });
    }
    if (d.run.length === 0) {
      r = { ...r, cursor: d.cursor };
      await this.d.store.putSchedule(r);
      this.b.set(r);
      return;
    }
    // Each fire moves the cursor to itself, the last to the newest due fire: a crash in between re-decides only what is left.
    for (const [i, fireAt] of d.run.entries()) {
      r = await this.overlap(r, fireAt, i === d.run.length - 1 ? d.cursor : fireAt, now);
    }
  }

  private async overlap(rec: ScheduleRecord, fireAt: number, cursor: number, now: number): Promise<ScheduleRecord> {
    const busy = rec.overlap === 'allow' ? undefined : await this.activeRun(rec.name);
    if (rec.overlap === 'queue' && (busy || rec.queued.length)) {
      const full = rec.queued.length >= MAX_QUEUED;
      const r: ScheduleRecord = {
        ...rec,
        cursor,
        updatedAt: now,
        queued: full ? rec.queued : [...rec.queued, fireAt],
        ...(full ? { skipped: rec.skipped + 1, lastSkip: { at: now, reason: `fire at ${iso(fireAt)} skipped: ${MAX_QUEUED} fires are already queued` } } : {}),
      };
      await this.d.store.putSchedule(r);
      this.b.set(r);
      return busy ? r : ((await this.drain(r.name)) ?? r);
    }
    if (rec.overlap === 'skip' && busy) {
      const reason = `fire at ${iso(fireAt)} skipped: the previous run ${busy.id} is ${busy.state} (overlap = skip)`;
      const r: ScheduleRecord = { ...rec, cursor, updatedAt: now, skipped: rec.skipped + 1, lastSkip: { at: now, reason } };
      await this.d.store.putSchedule(r);
      this.b.set(r);
      return r;
    }
    return this.submit({ ...rec, cursor, updatedAt: now }, fireAt);
  }

  /** Submit the oldest queued fire when no run is waiting or running (and the schedule is not paused). Throws when it cannot be written. */
  private async drain(name: string): Promise<ScheduleRecord | undefined> {
    const rec = this.b.records.get(name);
    if (!rec || rec.paused || rec.queued.length === 0 || (await this.activeRun(name))) return rec;
    const [fireAt, ...rest] = rec.queued;
    return this.submit({ ...rec, queued: rest, updatedAt: this.d.now() }, fireAt!);
  }

  /** Submit a fire's task and write `rec` in the same batch. A fire that cannot make its task is skipped, with the reason. */
  private async submit(rec: ScheduleRecord, fireAt: number): Promise<ScheduleRecord> {
    let prepared: Prepared;
    try {
      prepared = await this.d.prepare(rec.task);
    } catch (err) {
      const reason = `fire at ${iso(fireAt)} skipped: ${(err as Error).message}`;
      this.d.log.warn('schedule fire could not make its task', { schedule: rec.name, fireAt: iso(fireAt), err: (err as Error).message });
      const r: ScheduleRecord = { ...rec, skipped: rec.skipped + 1, lastSkip: { at: this.d.now(), reason } };
      await this.d.store.putSchedule(r);
      this.b.set(r);
      return r;
    }
    try {
      await this.d.engine.submit([{ ...prepared.draft, schedule: { name: rec.name, fireAt } }], { schedules: [rec] });
    } catch (err) {
      // Another daemon on the same store made this fire first (the store refuses a second): take its record.
      if (!(err instanceof StoreError && err.kind === 'stale')) throw err;
      const theirs = await this.d.store.getSchedule(rec.name);
      this.d.log.debug('another daemon made this fire', { schedule: rec.name, fireAt: iso(fireAt) });
      if (!theirs) return rec;
      this.b.set(theirs);
      return theirs;
    }
    this.b.set(rec);
    return rec;
  }

  /** A task of this schedule still waiting or running, if any. */
  private async activeRun(name: string): Promise<Task | undefined> {
    for (const id of await this.d.store.scheduleTasks(name, OVERLAP_LOOKBACK)) {
      const t = await this.d.store.get(id);
      if (t && !isTerminal(t.state)) return t;
    }
    return undefined;
  }
}
