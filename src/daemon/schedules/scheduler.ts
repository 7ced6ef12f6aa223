// The scheduler: what the schedule.* handlers call, over its parts: the schedules in memory
// (book.ts), firing and the overlap and catch-up policies (firing.ts), and config.toml's
// [[schedule]] entries (config-sync.ts). Every change to schedules is serialised through
// the book's exclusive().
import { BlanketError } from '../../protocol/errors.js';
import type { RunResult, ScheduleAddParams, ScheduleList, ScheduleResult, ScheduleShow, SubmitParams } from '../../protocol/methods.js';
import type { ScheduleInfo, ScheduleRecord, ScheduleSpec, Task } from '../../protocol/model.js';
import type { Config } from '../../core/config.js';
import { SCHEDULE_DEFAULTS, specOf, type ScheduleEntry } from '../../core/schedules.js';
import type { Engine } from '../engine.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Prepared } from '../submit.js';
import { ScheduleBook } from './book.js';
import { ConfigSync } from './config-sync.js';
import { Firing } from './firing.js';

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

export class Scheduler {
  private readonly book: ScheduleBook;
  private readonly firing: Firing;
  private readonly config: ConfigSync;
  private offEvents: (() => void) | undefined;

  constructor(private readonly d: SchedulerDeps) {
    this.book = new ScheduleBook({ store: d.store, log: d.log, now: d.now, zone: d.zone });
    this.firing = new Firing({ book: this.book, store: d.store, engine: d.engine, log: d.log, now: d.now, prepare: d.prepare });
    this.config = new ConfigSync({
      book: this.book,
      store: d.store,
      log: d.log,
      now: d.now,
      prepare: d.prepare,
      configFile: d.configFile,
      reload: d.reload,
      changed: () => this.firing.arm(),
    });
  }

  /** Load the stored schedules, reconcile config.toml, run what was missed while the daemon was down, arm. */
  async start(): Promise<void> {
    for (const rec of await this.d.store.listSchedules()) this.book.set(rec);
    await this.book.exclusive(() => this.config.reconcile(this.d.entries));
    this.offEvents = this.d.events.on((e) => this.firing.onEvent(e));
    await this.book.exclusive(async () => {
      for (const rec of this.book.records.values()) if (rec.queued.length) await this.firing.drainOrRetry(rec.name);
      await this.firing.tick();
    });
    this.config.watch();
  }

  /** Read the schedules again (another daemon on the same store may have added, changed or removed some), then re-arm. */
  refresh(): Promise<void> {
    return this.book.exclusive(async () => {
      const stored = await this.d.store.listSchedules();
      const names = new Set(stored.map((r) => r.name));
      for (const name of [...this.book.records.keys()]) if (!names.has(name)) this.book.drop(name);
      for (const rec of stored) this.book.set(rec);
      this.firing.arm();
    });
  }

  close(): void {
    this.firing.close();
    this.config.close();
    this.offEvents?.();
  }

  add(p: ScheduleAddParams): Promise<ScheduleResult> {
    return this.book.exclusive(async () => {
      const existing = this.book.records.get(p.name);
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
      const cron = this.book.compile(spec);
      if (p.tz !== undefined) spec.tz = cron.zone;
      const { warnings } = await this.d.prepare(task);
      const now = this.d.now();
      const rec: ScheduleRecord = { ...specOf(spec), source: 'cli', paused: p.paused === true, createdAt: now, updatedAt: now, cursor: now, queued: [], skipped: 0 };
      await this.d.store.putSchedule(rec);
      this.book.set(rec);
      this.d.log.info('schedule added', { schedule: rec.name, cron: rec.cron, zone: cron.zone });
      this.firing.arm();
      return { schedule: await this.book.info(rec), warnings };
    });
  }

  async list(): Promise<ScheduleList> {
    const recs = [...this.book.records.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { schedules: await Promise.all(recs.map((r) => this.book.info(r))), errors: this.config.errors };
  }

  async show(name: string, limit = 10): Promise<ScheduleShow> {
    const rec = this.book.find(name);
    const ids = await this.d.store.scheduleTasks(rec.name, limit);
    const history = (await Promise.all(ids.map((id) => this.d.store.get(id)))).filter((t): t is Task => t !== undefined);
    return { schedule: await this.book.info(rec), history };
  }

  remove(name: string): Promise<{ removed: string }> {
    return this.book.exclusive(async () => {
      const rec = this.book.find(name);
      if (rec.source === 'config') {
        throw new BlanketError('INVALID_STATE', `schedule ${name} is declared in config.toml`, {
          hint: 'remove its [[schedule]] entry there (or pause it: blanket schedule pause)',
          details: { name },
        });
      }
      await this.d.store.removeSchedule(name);
      this.book.drop(name);
      this.d.log.info('schedule removed', { schedule: name });
      this.firing.arm();
      return { removed: name };
    });
  }

  /** Pause or resume. Fires that fall while paused are not caught up on resume; queued ones wait for it. */
  setPaused(name: string, paused: boolean): Promise<ScheduleInfo> {
    return this.book.exclusive(async () => {
      const rec = this.book.find(name);
      if (rec.paused !== paused) {
        const now = this.d.now();
        const next: ScheduleRecord = { ...rec, paused, updatedAt: now, ...(paused ? {} : { cursor: Math.max(rec.cursor, now) }) };
        await this.d.store.putSchedule(next);
        this.book.set(next);
        this.d.log.info(paused ? 'schedule paused' : 'schedule resumed', { schedule: name });
        // Fires queued before the pause go on once it is resumed (retried with the backoff if they cannot be written yet).
        if (!paused) await this.firing.drainOrRetry(name);
        this.firing.arm();
      }
      return this.book.info(this.book.records.get(name)!);
    });
  }

  /** Run once now, whatever the overlap policy and even when paused; the cursor does not move. */
  trigger(name: string): Promise<RunResult> {
    return this.book.exclusive(async () => {
      const rec = this.book.find(name);
      const { draft, warnings } = await this.d.prepare(rec.task);
      const now = this.d.now();
      const [task] = await this.d.engine.submit([{ ...draft, schedule: { name: rec.name, fireAt: now } }]);
      return { task: task!, warnings };
    });
  }
}
