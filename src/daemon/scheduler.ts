// The scheduler: one timer for the earliest next fire of all schedules (never
// polling; capped so a wall-clock jump is noticed), the overlap and catch-up
// policies, and config.toml's [[schedule]] entries reconciled at start and on
// change. A fire's task and the schedule's new cursor are written in one batch,
// so a crash neither loses a fire nor repeats one. Every change to schedules is
// serialised through exclusive().
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { BlanketError, closest } from '../protocol/errors.js';
import type { RunResult, ScheduleAddParams, ScheduleList, ScheduleResult, ScheduleShow, SubmitParams } from '../protocol/methods.js';
import { isTerminal, type ScheduleInfo, type ScheduleRecord, type ScheduleSpec, type Task, type TypeLoadError } from '../protocol/model.js';
import type { Config } from '../core/config.js';
import { Cron, CronError, dueFires, localTimeZone, TimeZoneError } from '../core/cron.js';
import { SCHEDULE_DEFAULTS, sameSpec, specOf, type ScheduleEntry } from '../core/schedules.js';
import { FailureBackoff } from '../core/backoff.js';
import type { Engine } from './engine.js';
import type { EventBus } from './events.js';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';
import type { Prepared } from './submit.js';

/** The timer is re-armed at least this often, so a wall-clock jump is noticed within it. */
const MAX_TIMER_MS = 60_000;
/** At most this many fires wait under the "queue" policy; more are skipped. */
const MAX_QUEUED = 100;
/** How many of a schedule's newest tasks are checked for one still waiting or running. */
const OVERLAP_LOOKBACK = 20;

export interface SchedulerDeps {
  store: Store;
  engine: Engine;
  events: EventBus;
  log: Logger;
  now(): number;
  /** Checks a run request and drafts its task (daemon/submit.ts prepare). */
  prepare(p: SubmitParams): Promise<Prepared>;
  /** config.toml's [[schedule]] entries, as the daemon read them at start. */
  entries: ScheduleEntry[];
  /** config.toml, watched for changes of its [[schedule]] entries. */
  configFile?: string;
  /** Re-read the configuration after config.toml changed; throws when it is invalid. */
  reload?: () => Config;
  /** The zone of schedules without tz; default the daemon's. */
  zone?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Scheduler {
  private records = new Map<string, ScheduleRecord>();
  private crons = new Map<string, Cron>();
  private configErrors: TypeLoadError[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private offEvents: (() => void) | undefined;
  private readonly zone: string;
  /** Schedules whose fire failed (a full disk): each retried after its own growing delay, not at once. */
  private readonly failing = new Map<string, { backoff: FailureBackoff; retryAt: number }>();

  constructor(private readonly d: SchedulerDeps) {
    this.zone = d.zone ?? localTimeZone();
  }

  /** Load the stored schedules, reconcile config.toml, run what was missed while the daemon was down, arm. */
  async start(): Promise<void> {
    for (const rec of await this.d.store.listSchedules()) this.set(rec);
    await this.exclusive(() => this.reconcile(this.d.entries));
    this.offEvents = this.d.events.on((e) => {
      // A task was written, so the store takes writes again: failed fires are retried now.
      if (e.kind === 'task' && [...this.failing.values()].some((f) => f.retryAt > 0)) {
        for (const f of this.failing.values()) f.retryAt = 0;
        this.arm();
      }
      // A run ended: a fire the "queue" policy held back may go now.
      if (e.kind !== 'task' || !e.task.schedule || !isTerminal(e.task.state) || e.from === e.task.state) return;
      const name = e.task.schedule.name;
      if (this.records.get(name)?.queued.length) void this.exclusive(() => this.drain(name));
    });
    await this.exclusive(async () => {
      for (const rec of this.records.values()) if (rec.queued.length) await this.drain(rec.name);
      await this.tick();
    });
    this.watchConfig();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.offEvents?.();
  }

  // ---- the RPC methods -----------------------------------------------------

  add(p: ScheduleAddParams): Promise<ScheduleResult> {
    return this.exclusive(async () => {
      const existing = this.records.get(p.name);
      if (existing) {
        throw new BlanketError('EXISTS', `a schedule named ${p.name} exists${existing.source === 'config' ? ' (declared in config.toml)' : ''}`, {
          hint: existing.source === 'config' ? 'pick another name' : `pick another name, or remove it first: blanket schedule rm ${p.name}`,
          details: { name: p.name },
        });
      }
      const task: ScheduleSpec['task'] = { type: p.type };
      for (const k of ['env', 'label', 'priority', 'tags', 'retries', 'timeout', 'cwd'] as const) if (p[k] !== undefined) (task as unknown as Record<string, unknown>)[k] = p[k];
      const spec: ScheduleSpec = {
        name: p.name,
        cron: p.cron.trim(),
        ...(p.tz !== undefined ? { tz: p.tz } : {}),
        task,
        overlap: p.overlap ?? SCHEDULE_DEFAULTS.overlap,
        catchUp: p.catchUp ?? SCHEDULE_DEFAULTS.catchUp,
        catchUpMax: p.catchUpMax ?? SCHEDULE_DEFAULTS.catchUpMax,
      };
      const cron = this.compile(spec);
      if (p.tz !== undefined) spec.tz = cron.zone;
      const { warnings } = await this.d.prepare(task);
      const now = this.d.now();
      const rec: ScheduleRecord = { ...specOf(spec), source: 'cli', paused: p.paused === true, createdAt: now, updatedAt: now, cursor: now, queued: [], skipped: 0 };
      await this.d.store.putSchedule(rec);
      this.set(rec);
      this.d.log.info('schedule added', { schedule: rec.name, cron: rec.cron, zone: cron.zone });
      this.arm();
      return { schedule: await this.info(rec), warnings };
    });
  }

  async list(): Promise<ScheduleList> {
    const recs = [...this.records.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { schedules: await Promise.all(recs.map((r) => this.info(r))), errors: this.configErrors };
  }

  async show(name: string, limit = 10): Promise<ScheduleShow> {
    const rec = this.find(name);
    const ids = await this.d.store.scheduleTasks(rec.name, limit);
    const history = (await Promise.all(ids.map((id) => this.d.store.get(id)))).filter((t): t is Task => t !== undefined);
    return { schedule: await this.info(rec), history };
  }

  remove(name: string): Promise<{ removed: string }> {
    return this.exclusive(async () => {
      const rec = this.find(name);
      if (rec.source === 'config') {
        throw new BlanketError('INVALID_STATE', `schedule ${name} is declared in config.toml`, { hint: 'remove its [[schedule]] entry there (or pause it: blanket schedule pause)', details: { name } });
      }
      await this.d.store.removeSchedule(name);
      this.records.delete(name);
      this.failing.delete(name);
      this.crons.delete(name);
      this.d.log.info('schedule removed', { schedule: name });
      this.arm();
      return { removed: name };
    });
  }

  /** Pause or resume. Fires that fall while paused are not caught up on resume; queued ones wait for it. */
  setPaused(name: string, paused: boolean): Promise<ScheduleInfo> {
    return this.exclusive(async () => {
      const rec = this.find(name);
      if (rec.paused !== paused) {
        const now = this.d.now();
        const next: ScheduleRecord = { ...rec, paused, updatedAt: now, ...(paused ? {} : { cursor: Math.max(rec.cursor, now) }) };
        await this.d.store.putSchedule(next);
        this.set(next);
        this.d.log.info(paused ? 'schedule paused' : 'schedule resumed', { schedule: name });
        // Fires queued before the pause go on once it is resumed.
        if (!paused) await this.drain(name);
        this.arm();
      }
      return this.info(this.records.get(name)!);
    });
  }

  /** Run once now, whatever the overlap policy and even when paused; the cursor does not move. */
  trigger(name: string): Promise<RunResult> {
    return this.exclusive(async () => {
      const rec = this.find(name);
      const { draft, warnings } = await this.d.prepare(rec.task);
      const now = this.d.now();
      const [task] = await this.d.engine.submit([{ ...draft, schedule: { name: rec.name, fireAt: now } }]);
      return { task: task!, warnings };
    });
  }

  // ---- firing ----------------------------------------------------------------

  /** Decide every schedule whose next fire is due, then re-arm. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      const now = this.d.now();
      for (const rec of [...this.records.values()]) {
        if (rec.paused) continue;
        const next = this.nextFire(rec);
        if (next === undefined || next > now || (this.failing.get(rec.name)?.retryAt ?? 0) > now) continue;
        try {
          await this.fire(rec, now);
          const f = this.failing.get(rec.name);
          if (f) {
            this.failing.delete(rec.name);
            this.d.log.info('schedule fires again', { schedule: rec.name, failedAttempts: f.backoff.succeed() });
          }
        } catch (err) {
          this.fireFailed(rec.name, err);
        }
      }
    } finally {
      this.arm();
    }
  }

  /** A fire failed: retry after a growing delay (100 ms to 5 s), with a log line at most once a minute. */
  private fireFailed(name: string, err: unknown): void {
    let f = this.failing.get(name);
    if (!f) this.failing.set(name, (f = { backoff: new FailureBackoff(), retryAt: 0 }));
    const { delayMs, log } = f.backoff.fail(this.d.now());
    f.retryAt = this.d.now() + delayMs;
    if (log > 0) this.d.log.error('schedule could not fire; retrying with backoff', { schedule: name, err: String((err as Error)?.stack ?? err), failedAttempts: log, retryMs: delayMs });
  }

  /** The due fires of one schedule, through its catch-up policy, then its overlap policy. */
  private async fire(rec: ScheduleRecord, now: number): Promise<void> {
    const cron = this.crons.get(rec.name)!;
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
      this.set(r);
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
      this.set(r);
      return busy ? r : ((await this.drain(r.name)) ?? r);
    }
    if (rec.overlap === 'skip' && busy) {
      const reason = `fire at ${iso(fireAt)} skipped: the previous run ${busy.id} is ${busy.state} (overlap = skip)`;
      const r: ScheduleRecord = { ...rec, cursor, updatedAt: now, skipped: rec.skipped + 1, lastSkip: { at: now, reason } };
      await this.d.store.putSchedule(r);
      this.set(r);
      return r;
    }
    return this.submit({ ...rec, cursor, updatedAt: now }, fireAt);
  }

  /** Submit the oldest queued fire when no run is waiting or running (and the schedule is not paused). */
  private async drain(name: string): Promise<ScheduleRecord | undefined> {
    const rec = this.records.get(name);
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
      this.set(r);
      return r;
    }
    await this.d.engine.submit([{ ...prepared.draft, schedule: { name: rec.name, fireAt } }], { schedules: [rec] });
    this.set(rec);
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

  // ---- timer -----------------------------------------------------------------

  private nextFire(rec: ScheduleRecord): number | undefined {
    return rec.paused ? undefined : this.crons.get(rec.name)?.next(rec.cursor, 1)[0];
  }

  /** One timer, for the earliest next fire of any schedule. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    let at = Infinity;
    for (const rec of this.records.values()) at = Math.min(at, Math.max(this.nextFire(rec) ?? Infinity, this.failing.get(rec.name)?.retryAt ?? 0));
    if (at === Infinity) return;
    const delay = Math.min(Math.max(at - this.d.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.exclusive(() => this.tick()), delay);
  }

  // ---- config.toml -------------------------------------------------------------

  /** Make the schedules from config.toml match its [[schedule]] entries; `schedule add` ones are left alone. */
  private async reconcile(entries: ScheduleEntry[]): Promise<void> {
    const file = this.d.configFile ?? 'config.toml';
    const errors: TypeLoadError[] = [];
    const now = this.d.now();
    for (const { spec, line } of entries) {
      const at = { file, ...(line ? { line } : {}) };
      const cur = this.records.get(spec.name);
      if (cur?.source === 'cli') {
        errors.push({ ...at, message: `schedule "${spec.name}": a schedule of this name was made with 'schedule add'; this entry is ignored until one of them is renamed or removed` });
        continue;
      }
      if (cur && sameSpec(cur, spec)) continue;
      try {
        this.compile(spec);
        await this.d.prepare(spec.task);
      } catch (err) {
        errors.push({ ...at, message: `schedule "${spec.name}": ${(err as Error).message}` });
        continue;
      }
      // A changed expression starts from now: the new one's past fires are not "missed".
      const cursor = cur && (cur.cron !== spec.cron || cur.tz !== spec.tz) ? Math.max(cur.cursor, now) : (cur?.cursor ?? now);
      const rec: ScheduleRecord = {
        ...specOf(spec),
        source: 'config',
        paused: cur?.paused ?? false,
        createdAt: cur?.createdAt ?? now,
        updatedAt: now,
        cursor,
        queued: cur?.queued ?? [],
        skipped: cur?.skipped ?? 0,
        ...(cur?.lastSkip ? { lastSkip: cur.lastSkip } : {}),
      };
      await this.d.store.putSchedule(rec);
      this.set(rec);
      this.d.log.info(cur ? 'schedule updated from config.toml' : 'schedule added from config.toml', { schedule: spec.name });
    }
    const wanted = new Set(entries.map((e) => e.spec.name));
    for (const rec of [...this.records.values()]) {
      if (rec.source !== 'config' || wanted.has(rec.name)) continue;
      await this.d.store.removeSchedule(rec.name);
      this.records.delete(rec.name);
      this.failing.delete(rec.name);
      this.crons.delete(rec.name);
      this.d.log.info('schedule removed: no longer in config.toml', { schedule: rec.name });
    }
    for (const e of errors) this.d.log.warn('a [[schedule]] of config.toml is not in force', { file: e.file, line: e.line, message: e.message });
    this.configErrors = errors;
  }

  private watchConfig(): void {
    const { configFile, reload } = this.d;
    if (!configFile || !reload) return;
    try {
      this.watcher = watch(path.dirname(configFile), { persistent: false }, (_ev, filename) => {
        if (filename?.toString() !== path.basename(configFile)) return;
        // Editors write in several steps; read once they settle.
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          if (this.closed) return;
          let entries: ScheduleEntry[];
          try {
            entries = reload().schedules;
          } catch (err) {
            this.d.log.warn('config.toml changed but is invalid; schedules are unchanged', { err: (err as Error).message });
            return;
          }
          void this.exclusive(async () => {
            await this.reconcile(entries);
            this.arm();
          });
        }, 100);
      });
      this.watcher.on('error', () => {});
    } catch {
      // Not watchable: the entries are still reconciled at the next start.
    }
  }

  // ---- helpers ---------------------------------------------------------------

  /** Parse a spec's expression in its zone; BAD_CRON or BAD_TIME when it cannot be. */
  private compile(spec: ScheduleSpec): Cron {
    try {
      return Cron.parse(spec.cron, spec.tz ?? this.zone, spec.name);
    } catch (err) {
      if (err instanceof CronError) {
        throw new BlanketError('BAD_CRON', `invalid cron expression "${spec.cron}": ${err.message}`, {
          hint: 'fields: [second] minute hour day-of-month month day-of-week, e.g. "*/5 * * * *" or "0 30 9 * * mon-fri"',
          details: err.field ? { field: err.field } : {},
        });
      }
      if (err instanceof TimeZoneError) throw new BlanketError('BAD_TIME', err.message, { hint: 'zone names are those of the tz database (ls /usr/share/zoneinfo)', details: { tz: err.zone } });
      throw err;
    }
  }

  private set(rec: ScheduleRecord): void {
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

  private find(name: string): ScheduleRecord {
    const rec = this.records.get(name);
    if (rec) return rec;
    const guess = closest(name, this.records.keys());
    throw new BlanketError('NOT_FOUND', `no schedule ${name}${guess ? `: did you mean ${guess}?` : ''}`, { hint: "list schedules with 'blanket schedule ls'", details: { name } });
  }

  private async info(rec: ScheduleRecord): Promise<ScheduleInfo> {
    const zone = this.crons.get(rec.name)?.zone ?? rec.tz ?? this.zone;
    const next = rec.paused ? [] : (this.crons.get(rec.name)?.next(Math.max(rec.cursor, this.d.now() - 1), 3) ?? []);
    const [lastId] = await this.d.store.scheduleTasks(rec.name, 1);
    const last = lastId === undefined ? undefined : await this.d.store.get(lastId);
    return { ...rec, zone, next, ...(last?.schedule ? { lastRun: { taskId: last.id, fireAt: last.schedule.fireAt, state: last.state } } : {}) };
  }

  /** Run one change at a time: each reads, decides and writes before the next reads. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
