// The archive: where `blanket rm` and `[retention] finished` put tasks, and where `restore` and
// `undo` take them back from. One operation at a time. The order of the steps is what makes a
// crash lose nothing (docs/operations.md, "The archive"): the archive copy is written first, then
// the store forgets the task; a restore writes the store first, then clears the archive entry. A
// journal names the tasks of an operation in flight, and recover() finishes or undoes it at start.
import { mkdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { bucketFate, bucketOf, parseEntry, RECORD_FILE } from '../../core/archive.js';
import type { ArchivedBy, ArchivedTask, ArchiveList } from '../../protocol/archive.js';
import { BlanketError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/model.js';
import { exists, moveDir, syncDir, writeSynced } from '../../os/move.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { elsewhere } from '../output-policy.js';
import { buckets, describe, findEntry, idsIn, names, readRecord, type Entry, type Record } from './entries.js';

interface Journal {
  op: 'archive' | 'restore';
  by: ArchivedBy;
  batch: string;
  at: number;
  ids: string[];
}

export interface LastRm {
  batch: string;
  at: number;
  ids: string[];
}

export interface ArchiveOptions {
  root: string;
  store: Store;
  log: Logger;
  now: () => number;
  keepMs: number;
  /**
   * With a store shared by peer daemons: this daemon's name. A task that ran on another (only one
   * `hosts forget` forgot is archived here) is archived without files: its result directory is that
   * host's, so nothing here is moved (or, on restore, put back), and its entry says so (`note`).
   */
  host?: string;
}

export class Archive {
  private tail: Promise<unknown> = Promise.resolve();
  private seq = 0;

  constructor(private readonly o: ArchiveOptions) {}

  get root(): string {
    return this.o.root;
  }

  /** Its output is on another host (see ArchiveOptions.host). */
  private away(task: Task): boolean {
    return elsewhere({ ...(this.o.host !== undefined ? { host: this.o.host } : {}) }, task);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  private journalFile(batch: string): string {
    return path.join(this.o.root, '.journal', `${batch}.json`);
  }

  private async writeJournal(j: Journal): Promise<void> {
    await mkdir(path.join(this.o.root, '.journal'), { recursive: true, mode: 0o700 });
    await writeSynced(this.journalFile(j.batch), JSON.stringify(j));
  }

  /**
   * Archive these tasks (none may be CLAIMED or RUNNING): each one's result dir moves into the
   * archive with its record, then one store batch removes them. Returns the ids removed.
   */
  put(tasks: Task[], by: ArchivedBy): Promise<string[]> {
    return this.exclusive(async () => {
      if (tasks.length === 0) return [];
      const at = this.o.now();
      const batch = `${at}-${++this.seq}`;
      const journal: Journal = { op: 'archive', by, batch, at, ids: tasks.map((t) => t.id) };
      await this.writeJournal(journal);
      const bucket = path.join(this.o.root, bucketOf(at));
      await mkdir(bucket, { recursive: true, mode: 0o700 });
      for (const task of tasks) {
        const part = path.join(bucket, `${task.id}.part`);
        const away = this.away(task);
        if (!away && (await exists(task.resultDir))) await moveDir(task.resultDir, part, { sync: false });
        else await mkdir(part, { mode: 0o700 });
        const note = away ? `its output stayed on ${task.host}, the forgotten host that ran it, and is not in this archive` : undefined;
        const record: Record = { version: 1, id: task.id, archivedAt: at, by, batch, task, ...(note ? { note } : {}) };
        await writeSynced(path.join(part, RECORD_FILE), JSON.stringify(record, null, 2) + '\n', { syncDir: false });
        await moveDir(part, path.join(bucket, task.id), { sync: false });
      }
      // The records are on disk; now the names: once for the whole batch, before the store forgets anything.
      for (const dir of new Set([bucket, ...tasks.filter((t) => !this.away(t)).map((t) => path.dirname(t.resultDir))])) await syncDir(dir);
      const removed = await this.o.store.remove(journal.ids);
      // A task the store kept (it was claimed meanwhile) gets its files back; one already gone (removed meanwhile) is not archived.
      for (const task of tasks) {
        if (removed.includes(task.id)) continue;
        const still = await this.o.store.get(task.id);
        if (still) await this.unarchive(path.join(bucket, task.id), still);
        else await rm(path.join(bucket, task.id), { recursive: true, force: true });
      }
      if (by === 'rm') await this.setLastRm({ batch, at, ids: removed });
      await rm(this.journalFile(batch), { force: true });
      return removed;
    });
  }

  /** An entry whose task is (still, or again) in the store: its files go back to the result dir. */
  private async unarchive(dir: string, task: Task): Promise<void> {
    await unlink(path.join(dir, RECORD_FILE)).catch(() => {});
    if (this.away(task) || (await exists(task.resultDir))) await rm(dir, { recursive: true, force: true });
    else await moveDir(dir, task.resultDir);
  }

  private async setLastRm(last: LastRm): Promise<void> {
    await writeSynced(path.join(this.o.root, '.last-rm.json'), JSON.stringify(last));
  }

  async lastRm(): Promise<LastRm | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.o.root, '.last-rm.json'), 'utf8')) as LastRm;
    } catch {
      return undefined;
    }
  }

  find(arg: string): Promise<Entry> {
    return findEntry(this.o.root, arg);
  }

  async show(arg: string): Promise<ArchivedTask> {
    return describe(await this.find(arg), true);
  }

  async list(limit: number): Promise<ArchiveList> {
    const entries: ArchivedTask[] = [];
    let total = 0;
    for (const b of await buckets(this.o.root)) {
      const ids = await idsIn(this.o.root, b);
      total += ids.length;
      for (const id of ids) {
        if (entries.length >= limit) break;
        const dir = path.join(this.o.root, b, id);
        const record = await readRecord(dir);
        if (record) entries.push(await describe({ bucket: b, dir, record }, false));
      }
    }
    return { entries, total, keepMs: this.o.keepMs };
  }

  /**
   * Put archived tasks back in the store, then their result files where they were. All or
   * nothing: an id not archived, or one the store holds again, refuses the whole call.
   */
  restore(args: string[]): Promise<Task[]> {
    return this.exclusive(async () => {
      const entries: Entry[] = [];
      for (const a of args) {
        const e = await this.find(a);
        if (!entries.some((x) => x.record.id === e.record.id)) entries.push(e);
      }
      for (const { record } of entries) {
        if (await this.o.store.get(record.id))
          throw new BlanketError('EXISTS', `cannot restore ${record.id}: the store holds a task ${record.id} already`, {
            hint: `both are kept; see it with 'blanket show ${record.id}', and delete the archived one with 'blanket archive rm ${record.id}' if it is not needed`,
            details: { id: record.id },
          });
        if (!this.away(record.task) && (await exists(record.task.resultDir)))
          throw new BlanketError('EXISTS', `cannot restore ${record.id}: its result directory ${record.task.resultDir} exists`, {
            hint: 'move it away and try again; nothing was changed',
            details: { id: record.id, path: record.task.resultDir },
          });
      }
      const at = this.o.now();
      const batch = `${at}-${++this.seq}`;
      await this.writeJournal({ op: 'restore', by: 'rm', batch, at, ids: entries.map((e) => e.record.id) });
      for (const e of entries) await moveDir(e.dir, `${e.dir}.restoring`, { sync: false });
      for (const dir of new Set(entries.map((e) => path.dirname(e.dir)))) await syncDir(dir);
      await this.o.store.restore(entries.map((e) => e.record.task));
      for (const e of entries) await this.unarchive(`${e.dir}.restoring`, e.record.task);
      await rm(this.journalFile(batch), { force: true });
      return entries.map((e) => e.record.task);
    });
  }

  /** Delete archived tasks for good, with their files. */
  remove(args: string[]): Promise<string[]> {
    return this.exclusive(async () => {
      const entries: Entry[] = [];
      for (const a of args) entries.push(await this.find(a));
      const gone = [...new Set(entries.map((e) => e.dir))];
      for (const dir of gone) await this.drop(dir);
      return [...new Set(entries.map((e) => e.record.id))];
    });
  }

  /** Renamed first, so a crash part way through the delete leaves a name the cleaning finishes, never a half entry. */
  private async drop(dir: string): Promise<void> {
    await moveDir(dir, `${dir}.gone`);
    await rm(`${dir}.gone`, { recursive: true, force: true });
  }

  /** Delete entries archived more than archive.keep ago (and leftovers of deletes); returns how many entries went. */
  clean(): Promise<number> {
    return this.exclusive(async () => {
      if (this.o.keepMs === 0) return 0;
      const cutoff = this.o.now() - this.o.keepMs;
      let n = 0;
      for (const b of await buckets(this.o.root)) {
        const dir = path.join(this.o.root, b);
        const fate = bucketFate(b, cutoff);
        for (const name of await names(dir)) {
          const e = parseEntry(name);
          if (e?.kind === 'gone') await rm(path.join(dir, name), { recursive: true, force: true });
          if (e?.kind !== 'entry' || fate === 'keep') continue;
          const rec = fate === 'check' ? await readRecord(path.join(dir, name)) : undefined;
          if (fate === 'drop' || (rec !== undefined && rec.archivedAt < cutoff)) {
            await this.drop(path.join(dir, name));
            n++;
          }
        }
        if (fate === 'drop' && (await names(dir)).length === 0) await rm(dir, { recursive: true, force: true });
      }
      return n;
    });
  }

  /** At start, before anything else uses the store: finish or undo what a crash interrupted. */
  recover(): Promise<string[]> {
    return this.exclusive(async () => {
      const done: string[] = [];
      for (const f of (await names(path.join(this.o.root, '.journal'))).filter((n) => n.endsWith('.json'))) {
        let j: Journal;
        try {
          j = JSON.parse(await readFile(path.join(this.o.root, '.journal', f), 'utf8')) as Journal;
        } catch {
          // written with fsync before any move: an unreadable journal is one whose write was cut, so nothing had moved
          await rm(path.join(this.o.root, '.journal', f), { force: true });
          continue;
        }
        done.push(...(j.op === 'archive' ? await this.recoverArchive(j) : await this.recoverRestore(j)));
        await rm(path.join(this.o.root, '.journal', f), { force: true });
      }
      return done;
    });
  }

  private async recoverArchive(j: Journal): Promise<string[]> {
    const bucket = path.join(this.o.root, bucketOf(j.at));
    const finished: string[] = [];
    for (const id of j.ids) {
      const task = await this.o.store.get(id);
      const part = path.join(bucket, `${id}.part`);
      const entry = path.join(bucket, id);
      if (await exists(part)) {
        // cut before its record was complete: the task is still in the store; its files go back
        if (task) await this.unarchive(part, task);
        else if (await readRecord(part)) await moveDir(part, entry);
        else this.o.log.warn('an archive entry without its record was left by a crash; kept as it is', { path: part });
      } else if (task && (await exists(entry))) {
        const removed = await this.o.store.remove([id]);
        if (removed.length) finished.push(id);
        else await this.unarchive(entry, task);
      }
    }
    if (j.by === 'rm' && finished.length) {
      const last = await this.lastRm();
      await this.setLastRm(last?.batch === j.batch ? { ...last, ids: [...new Set([...last.ids, ...finished])] } : { batch: j.batch, at: j.at, ids: finished });
    }
    if (finished.length || j.ids.length) this.o.log.warn('finished an archive cut short by a crash', { batch: j.batch, by: j.by, archived: finished });
    return finished;
  }

  private async recoverRestore(j: Journal): Promise<string[]> {
    const finished: string[] = [];
    for (const b of await buckets(this.o.root)) {
      for (const name of await names(path.join(this.o.root, b))) {
        const e = parseEntry(name);
        if (e?.kind !== 'restoring' || !j.ids.includes(e.id)) continue;
        const dir = path.join(this.o.root, b, name);
        const task = await this.o.store.get(e.id);
        if (task) {
          await this.unarchive(dir, task);
          finished.push(e.id);
        } else await moveDir(dir, path.join(this.o.root, b, e.id));
      }
    }
    this.o.log.warn('a restore was cut short by a crash: finished where the store had the task, undone elsewhere', { batch: j.batch, restored: finished });
    return finished;
  }
}
