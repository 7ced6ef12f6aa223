// Scheduled backups (`[backup] interval`): one timer, re-armed after each
// backup; the oldest scheduled backups beyond `keep` are removed. Backups
// taken by hand (manual-…), before repairs (repair-…) and of a store whose damaged log a
// start replayed (damaged-…) are never removed.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './log.js';
import type { Store } from './store/store.js';
import { backupName, PARTIAL } from './store/backup.js';

const PREFIX = 'scheduled-';

export class BackupSchedule {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private inFlight: Promise<unknown> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: { dir: string; intervalMs: number; keep: number; log: Logger; now: () => number },
  ) {}

  start(): void {
    if (this.opts.intervalMs > 0) this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    // setTimeout holds at most ~24.8 days; a longer interval just waits in steps.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- run() never rejects; close() awaits the promise kept in inFlight
    this.timer = setTimeout(() => (this.inFlight = this.run()), Math.min(this.opts.intervalMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Take one now (and prune); errors are logged, never thrown: a full disk must not stop the daemon. */
  async run(): Promise<string | undefined> {
    let dest: string | undefined = backupName(this.opts.dir, PREFIX, this.opts.now());
    try {
      const r = await this.store.admin.backup(dest);
      this.opts.log.info('scheduled backup written', { path: r.path, keys: r.keys });
      await this.prune();
    } catch (err) {
      this.opts.log.warn('scheduled backup failed', { path: dest, err: String((err as Error)?.message ?? err) });
      dest = undefined;
    }
    this.arm();
    return dest;
  }

  private async prune(): Promise<void> {
    const mine = (await readdir(this.opts.dir)).filter((n) => n.startsWith(PREFIX) && !n.endsWith(PARTIAL)).sort();
    for (const old of mine.slice(0, Math.max(0, mine.length - this.opts.keep))) await rm(path.join(this.opts.dir, old), { recursive: true, force: true });
  }

  /** No more backups; one being written is finished (and pruned after) first. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }
}
