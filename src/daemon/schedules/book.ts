// What the scheduler's parts share: the schedules in memory (records and their compiled
// expressions), the fires that are failing, and the one lane every change goes through.
import { BlanketError, closest } from '../../protocol/errors.js';
import type { ScheduleInfo, ScheduleRecord, ScheduleSpec } from '../../protocol/model.js';
import { Cron, CronError, localTimeZone, TimeZoneError } from '../../core/cron.js';
import { FailureBackoff } from '../../core/backoff.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

export interface BookDeps {
  store: Store;
  log: Logger;
  now(): number;
  /** The zone of schedules without tz; default the daemon's, looked up only once a schedule needs it. */
  zone?: string;
}

/** A schedule whose fire (or queued fire) could not be written: retried after its own growing delay, not at once. */
export interface Failing {
  backoff: FailureBackoff;
  retryAt: number;
}

export class ScheduleBook {
  readonly records = new Map<string, ScheduleRecord>();
  private readonly crons = new Map<string, Cron>();
  readonly failing = new Map<string, Failing>();
  private tail: Promise<unknown> = Promise.resolve();

  private localZone: string | undefined;

  constructor(private readonly d: BookDeps) {}

  /** Asking Intl for the local zone loads ICU's time-zone data (~8 MB resident): not before a schedule needs it. */
  get zone(): string {
    return (this.localZone ??= this.d.zone ?? localTimeZone());
  }

  cron(name: string): Cron | undefined {
    return this.crons.get(name);
  }

  /** Keep `rec` and its compiled expression. */
  set(rec: ScheduleRecord): void {
    this.records.set(rec.name, rec);
    if (this.crons.get(rec.name)?.expression === rec.cron.trim().replace(/\s+/g, ' ') && this.crons.get(rec.name)?.zone === (rec.tz ?? this.zone)) return;
    try {
      this.crons.set(rec.name, Cron.parse(rec.cron, rec.tz ?? this.zone, rec.name));
    } catch (err) {
      // Stored by an older blanket that accepted it: kept and shown, never fired.
      this.crons.delete(rec.name);
      this.d.log.error('a stored schedule has an expression this blanket cannot read; it will not fire', { schedule: rec.name, err: (err as Error).message });
    }
  }

  /** Forget a schedule that was removed from the store. */
  drop(name: string): void {
    this.records.delete(name);
    this.failing.delete(name);
    this.crons.delete(name);
  }

  find(name: string): ScheduleRecord {
    const rec = this.records.get(name);
    if (rec) return rec;
    const guess = closest(name, this.records.keys());
    throw new BlanketError('NOT_FOUND', `no schedule ${name}${guess ? `: did you mean ${guess}?` : ''}`, { hint: "list schedules with 'blanket schedule ls'", details: { name } });
  }

  /** Parse a spec's expression in its zone; BAD_CRON or BAD_TIME when it cannot be. */
  compile(spec: ScheduleSpec): Cron {
    try {
      return Cron.parse(spec.cron, spec.tz ?? this.zone, spec.name);
    } catch (err) {
      if (err instanceof CronError) {
        throw new BlanketError('BAD_CRON', `invalid cron expression "${spec.cron}": ${err.message}`, {
          hint: 'fields: [second] minute hour day-of-month month day-of-week, e.g. "*/5 * * * *" or "0 30 9 * * mon-fri"',
          details: err.field ? { field: err.field } : {},
        });
      }
      if (err instanceof TimeZoneError)
        throw new BlanketError('BAD_TIME', err.message, { hint: 'zone names are those of the tz database (ls /usr/share/zoneinfo)', details: { tz: err.zone } });
      throw err;
    }
  }

  /** The next fire of a schedule that is not paused. */
  nextFire(rec: ScheduleRecord): number | undefined {
    return rec.paused ? undefined : this.crons.get(rec.name)?.next(rec.cursor, 1)[0];
  }

  /** A schedule as `schedule ls` and `show` report it. */
  async info(rec: ScheduleRecord): Promise<ScheduleInfo> {
    const zone = this.crons.get(rec.name)?.zone ?? rec.tz ?? this.zone;
    const next = rec.paused ? [] : (this.crons.get(rec.name)?.next(Math.max(rec.cursor, this.d.now() - 1), 3) ?? []);
    const [lastId] = await this.d.store.scheduleTasks(rec.name, 1);
    const last = lastId === undefined ? undefined : await this.d.store.get(lastId);
    return { ...rec, zone, next, ...(last?.schedule ? { lastRun: { taskId: last.id, fireAt: last.schedule.fireAt, state: last.state } } : {}) };
  }

  /** Run one change at a time: each reads, decides and writes before the next reads. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
