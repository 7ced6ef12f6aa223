// config.toml's [[schedule]] entries: reconciled with the stored schedules at start and
// whenever the file changes. Entries that cannot be in force are reported, not fatal; a
// reconcile that cannot be written (a full disk) is retried with a backoff.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ScheduleRecord, TypeLoadError } from '../../protocol/model.js';
import type { SubmitParams } from '../../protocol/methods.js';
import type { Config } from '../../core/config.js';
import { FailureBackoff } from '../../core/backoff.js';
import { sameSpec, specOf, type ScheduleEntry } from '../../core/schedules.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Prepared } from '../submit.js';
import type { ScheduleBook } from './book.js';

export interface ConfigSyncDeps {
  book: ScheduleBook;
  store: Store;
  log: Logger;
  now(): number;
  prepare(p: SubmitParams): Promise<Prepared>;
  /** config.toml, watched for changes of its [[schedule]] entries. */
  configFile?: string;
  /** Re-read the configuration after config.toml changed; throws when it is invalid. */
  reload?: () => Config;
  /** The schedules changed: re-arm the timer. */
  changed(): void;
}

export class ConfigSync {
  /** The entries not in force, with why: `schedule ls` shows them. */
  errors: TypeLoadError[] = [];
  private closed = false;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff = new FailureBackoff();
  private readonly b: ScheduleBook;

  constructor(private readonly d: ConfigSyncDeps) {
    this.b = d.book;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.retry);
    this.watcher?.close();
  }

  /** Make the schedules from config.toml match its [[schedule]] entries; `schedule add` ones are left alone. Call inside exclusive(). */
  async reconcile(entries: ScheduleEntry[]): Promise<void> {
    const file = this.d.configFile ?? 'config.toml';
    const errors: TypeLoadError[] = [];
    const now = this.d.now();
    for (const { spec, line } of entries) {
      const at = { file, ...(line ? { line } : {}) };
      const cur = this.b.records.get(spec.name);
      if (cur?.source === 'cli') {
        errors.push({
          ...at,
          message: `schedule "${spec.name}": a schedule of this name was made with 'schedule add'; this entry is ignored until one of them is renamed or removed`,
        });
        continue;
      }
      if (cur && sameSpec(cur, spec)) continue;
      try {
        this.b.compile(spec);
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
      this.b.set(rec);
      this.d.log.info(cur ? 'schedule updated from config.toml' : 'schedule added from config.toml', { schedule: spec.name });
    }
    const wanted = new Set(entries.map((e) => e.spec.name));
    for (const rec of [...this.b.records.values()]) {
      if (rec.source !== 'config' || wanted.has(rec.name)) continue;
      await this.d.store.removeSchedule(rec.name);
      this.b.drop(rec.name);
      this.d.log.info('schedule removed: no longer in config.toml', { schedule: rec.name });
    }
    for (const e of errors) this.d.log.warn('a [[schedule]] of config.toml is not in force', { file: e.file, line: e.line, message: e.message });
    this.errors = errors;
  }

  /** Reconcile again whenever config.toml changes (when there is a file and a way to read it). */
  watch(): void {
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
            this.d.log.warn('config.toml changed but is invalid; its schedules and label weights are unchanged', { err: (err as Error).message });
            return;
          }
          clearTimeout(this.retry);
          this.apply(entries);
        }, 100);
      });
      this.watcher.on('error', () => {});
    } catch {
      // Not watchable: the entries are still reconciled at the next start.
    }
  }

  /** Reconcile changed entries; when that cannot be written, retry after a growing delay (a newer change replaces it). */
  private apply(entries: ScheduleEntry[]): void {
    void this.b
      .exclusive(async () => {
        await this.reconcile(entries);
        this.d.changed();
      })
      .then(
        () => {
          if (this.backoff.failing) this.d.log.info("config.toml's schedules are in force again", { failedAttempts: this.backoff.succeed() });
        },
        (err: unknown) => {
          this.d.changed(); // what was written before the failure is armed
          const { delayMs, log } = this.backoff.fail(this.d.now());
          if (log > 0)
            this.d.log.error("config.toml's schedules could not be applied; retrying with backoff", {
              err: String((err as Error)?.stack ?? err),
              failedAttempts: log,
              retryMs: delayMs,
            });
          if (!this.closed) this.retry = setTimeout(() => this.apply(entries), delayMs);
        },
      );
  }
}
