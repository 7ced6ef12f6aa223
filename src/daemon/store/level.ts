// The LevelDB Store. Writers are serialised; every change is one batch.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { DbRepairResult } from '../../protocol/db.js';
import type { PsParams, PsSections } from '../../protocol/methods.js';
import { isTerminal, STATES, type ScheduleRecord, type State, type Task } from '../../protocol/model.js';
import { nextId } from '../../core/ids.js';
import { skipReason, transition, type TaskEvent } from '../../core/states.js';
import { groupOf, idOf, indexKeys, isRunnable, K, pad, parseGroup, prioKey, range, escapeLabel } from './keys.js';
import { LATEST_SCHEMA, MIGRATIONS } from './migrations.js';
import { StoreError, type Change, type ClaimRequest, type StatsSample, type Store, type StoreAdmin, type StoredType, type SubmitAlso, type TaskDraft } from './store.js';
import { FilesChanged, isTableFile, verifyFilesSettled, type FileProblem } from './files/leveldb.js';
import { checkStore } from './check.js';
import { rebuildDerived } from './repair.js';
import { copyStore } from './backup.js';
import { dumpPage } from './dump.js';

type Op = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

export interface LevelStoreOptions {
  location: string;
  resultsRoot: string;
  /** fsync submits and kills so a power cut cannot lose an acknowledged one. */
  sync?: boolean;
  random?: () => number;
  /** Check the files' checksums before opening (default true); see files/leveldb.ts. */
  verify?: boolean;
}

/** A write failed for want of space (LevelDB reports ENOSPC as an IO error's text). */
export function isNoSpace(err: unknown): boolean {
  const e = err as { message?: string; code?: string; cause?: { message?: string; code?: string } } | undefined;
  return /ENOSPC|No space left/i.test(`${e?.code ?? ''} ${e?.message ?? ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`);
}

const describe = (p: FileProblem) => `${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message}`;

/** Room LevelDB needs to reopen: it replays the log into a table and writes a new MANIFEST and log. */
const REOPEN_MARGIN = 8 * 1024 * 1024;

const ACTIVE: readonly State[] = ['CLAIMED', 'RUNNING'];

export class LevelStore implements Store {
  /** Made in open(), after the files are checked: abstract-level opens a database on the tick after it is constructed. */
  private db!: ClassicLevel<string, unknown>;
  private tail: Promise<unknown> = Promise.resolve();
  private countsMem = zeroCounts();
  private typeCounts = new TypeCounts();
  private groups = new Set<string>();
  private activeByType = new Map<string, number>();
  private lastId: string | undefined;
  /** Set when a write failed for want of space: this LevelDB handle must not write again (see write()). */
  private broken: unknown;
  private verified: Record<string, string> = {};
  /** Damage the start-up check found in tables, which did not stop the open (see verifyBeforeOpen). */
  startWarnings: FileProblem[] = [];

  constructor(private readonly opts: LevelStoreOptions) {}

  private get verifiedFile(): string {
    return `${this.opts.location}.verified.json`;
  }

  /**
   * Check the files before LevelDB opens them: opening replays the log (silently dropping a record
   * it cannot read) and rewrites files, so a damaged store is refused here, untouched. Tables are
   * immutable: one checked whole before (listed in db.verified.json with its size, modification time
   * and inode) gets only its footer and its index and meta blocks' checksums checked, so start-up costs what was written since the
   * last start, not the size of the store. A table rewritten since is checked whole again; damage
   * that changes none of those (bit rot) is for `db check`, which reads every block.
   */
  private async verifyBeforeOpen(): Promise<void> {
    if (this.opts.verify === false) return;
    let known: Record<string, string> = {};
    try {
      known = (JSON.parse(readFileSync(this.verifiedFile, 'utf8')) as { tables?: Record<string, string> }).tables ?? {};
    } catch {
      // none yet: check every table whole
    }
    let report;
    try {
      report = await verifyFilesSettled(this.opts.location, { deep: (name, fingerprint) => known[name] !== fingerprint });
    } catch (err) {
      if (err instanceof FilesChanged) return; // a live LevelDB keeps rewriting it: its lock will refuse us
      throw err;
    }
    // Damage in a table does not stop a start: LevelDB opens the store as it is (opening rewrites
    // no table), a read that meets the damage answers STORE_CORRUPT, and `db check` / `db repair`
    // deal with it. CURRENT, the MANIFEST and the logs LevelDB would replay do stop it: opening would
    // start an empty store, or drop what the damaged log holds, and the evidence with it.
    const fatal = report.problems.filter((p) => !isTableFile(p.file));
    if (fatal.length > 0) {
      const list = fatal.slice(0, 3).map(describe);
      throw new StoreError(`the store at ${this.opts.location} is damaged (${list.join('; ')}${fatal.length > 3 ? `; and ${fatal.length - 3} more` : ''})`, 'corrupt');
    }
    this.startWarnings = report.problems;
    const damaged = new Set(report.problems.map((p) => p.file));
    this.verified = {};
    // A damaged table is never remembered as checked: every start checks it whole again, and warns again.
    for (const [name, fp] of Object.entries(report.fingerprints)) if (!damaged.has(name) && (known[name] === fp || report.deepChecked.includes(name))) this.verified[name] = fp;
  }

  private saveVerified(): void {
    if (this.opts.verify === false) return;
    try {
      writeFileSync(`${this.verifiedFile}.tmp`, JSON.stringify({ tables: this.verified }) + '\n');
      renameSync(`${this.verifiedFile}.tmp`, this.verifiedFile);
    } catch {
      // only a cache: the next start checks those tables whole again
    }
  }

  async open(): Promise<void> {
    await this.verifyBeforeOpen();
    this.db = new ClassicLevel<string, unknown>(this.opts.location, { valueEncoding: 'json' });
    try {
      await this.db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreError(`the store at ${this.opts.location} is in use by another process`, 'locked', { cause: err });
      if (cause?.code === 'LEVEL_CORRUPTION') throw new StoreError(`the store at ${this.opts.location} is corrupt: ${String((cause as Error).message)}`, 'corrupt', { cause: err });
      throw err;
    }
    try {
      await this.migrate();
      await this.load();
      await this.dropEmptyGroups();
    } catch (err) {
      await this.db.close().catch(() => {});
      if (err instanceof StoreError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'LEVEL_CORRUPTION' || code === 'LEVEL_DECODE_ERROR') throw new StoreError(`the store at ${this.opts.location} is corrupt: ${(err as Error).message}`, 'corrupt', { cause: err });
      throw err;
    }
    this.saveVerified();
  }

  /** The in-memory state: last id, counters, queue groups, active tasks per type. */
  private async load(): Promise<void> {
    this.countsMem = zeroCounts();
    this.groups = new Set();
    this.activeByType = new Map();
    this.lastId = (await this.db.get(K.lastId)) as string | undefined;
    for (const s of STATES) this.countsMem[s] = ((await this.db.get(K.count(s))) as number | undefined) ?? 0;
    this.typeCounts.load(await this.db.iterator(range('ct!')).all());
    for await (const key of this.db.keys(range('g!'))) this.groups.add(key.slice(2));
    for (const t of await this.active()) this.bumpActive(t.type, 1);
  }

  /** Queue groups left empty by an older blanket (which forgot them only on a claim that could take them). */
  private async dropEmptyGroups(): Promise<void> {
    const empty: string[] = [];
    for (const g of this.groups) if ((await this.db.keys({ ...range(`q!${g}!`), limit: 1 }).all()).length === 0) empty.push(g);
    if (empty.length === 0) return;
    await this.db.batch(empty.map((g) => ({ type: 'del' as const, key: K.group(g) })));
    for (const g of empty) this.groups.delete(g);
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.db?.close();
    });
  }

  get schemaVersion(): Promise<number> {
    return this.db.get(K.schema) as Promise<number>;
  }

  private async migrate(): Promise<void> {
    let version = (await this.db.get(K.schema)) as number | undefined;
    if (version === undefined) {
      const any = await this.db.keys({ limit: 1 }).all();
      if (any.length > 0) throw new StoreError(`the store at ${this.opts.location} has data but no schema version: it is not a blanket store, or it is damaged`, 'corrupt');
      await this.db.put(K.schema, LATEST_SCHEMA);
      return;
    }
    if (version > LATEST_SCHEMA) {
      throw new StoreError(`the store was written by a newer blanket (schema ${version}, this one knows up to ${LATEST_SCHEMA}); upgrade blanket`, 'newer-schema');
    }
    for (const m of MIGRATIONS) {
      if (m.version <= version) continue;
      await m.up(this.db);
      await this.db.put(K.schema, m.version);
      version = m.version;
    }
  }

  /** Run writers one at a time: each reads, decides and writes its batch before the next reads. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  /** Called inside exclusive(): the one way a change reaches LevelDB. */
  private async write(ops: Op[], sync: boolean): Promise<void> {
    if (this.broken !== undefined) await this.reopen();
    try {
      await this.db.batch(ops as never, { sync: sync && this.opts.sync !== false });
    } catch (err) {
      if (isNoSpace(err)) {
        // LevelDB refuses writes after a failed one, and its log may now end in a torn record that
        // later records would follow: this handle must not write again. reopen() replays the log
        // (dropping the torn tail, which was never acknowledged) and starts a clean one.
        this.broken = err;
        throw new StoreError('the disk is full: nothing was written; free some space and try again', 'full', { cause: err });
      }
      throw err;
    }
  }

  /** After a full disk: reopen once there is room, so writes work again without a restart. */
  private async reopen(): Promise<void> {
    const free = await freeBytes(this.opts.location);
    const need = (await logBytes(this.opts.location)) + REOPEN_MARGIN;
    if (free !== undefined && free < need) {
      throw new StoreError(`the disk is still full (${free} bytes free; the store needs ${need} to resume): nothing was written`, 'full', { cause: this.broken });
    }
    await this.db.close().catch(() => {});
    try {
      await this.db.open();
    } catch (err) {
      throw new StoreError(`cannot reopen the store after the disk was full: ${(err as Error).message}`, isNoSpace(err) ? 'full' : 'corrupt', { cause: err });
    }
    this.broken = undefined;
    await this.load();
  }

  async get(id: string): Promise<Task | undefined> {
    return (await this.db.get(K.task(id))) as Task | undefined;
  }

  private async getMany(ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const values = (await this.db.getMany(ids.map(K.task))) as (Task | undefined)[];
    return values.filter((t): t is Task => t !== undefined);
  }

  async findIds(prefix: string, limit: number): Promise<string[]> {
    const keys = await this.db.keys({ ...range(K.task(prefix)), limit }).all();
    return keys.map((k) => k.slice(2));
  }

  submit(drafts: TaskDraft[], now: number, also: SubmitAlso = {}): Promise<Task[]> {
    return this.exclusive(async () => {
      const ops: Op[] = [];
      const tasks: Task[] = [];
      const counts = { ...this.countsMem };
      const byType = this.typeCounts.begin();
      const newGroups = new Set<string>();
      const batchTasks = new Map<string, Task>();
      for (const d of drafts) {
        const id = nextId(this.lastId, now);
        this.lastId = id;
        let task: Task = {
          ...d,
          id,
          resultDir: path.join(this.opts.resultsRoot, id),
          createdAt: now,
          updatedAt: now,
          state: 'WAITING',
          attempt: 1,
          attempts: [],
          waitingOn: [],
        };
        for (const dep of d.after) {
          const depTask = batchTasks.get(dep) ?? (await this.get(dep));
          if (!depTask) throw new StoreError(`no task ${dep} to wait for`, 'not-found');
          if (!isTerminal(depTask.state)) task.waitingOn.push(dep);
          else if (depTask.state !== 'SUCCESS' && task.state === 'WAITING') {
            task = { ...task, state: 'SKIPPED', endedAt: now, reason: skipReason(dep, depTask.state, depTask.reason) };
          }
        }
        batchTasks.set(id, task);
        ops.push({ type: 'put', key: K.task(id), value: task });
        for (const key of indexKeys(task)) ops.push({ type: 'put', key, value: '' });
        counts[task.state]++;
        byType.bump(task.type, task.state, 1);
        if (isRunnable(task) && !this.groups.has(groupOf(task))) newGroups.add(groupOf(task));
        tasks.push(task);
      }
      for (const g of newGroups) ops.push({ type: 'put', key: K.group(g), value: '' });
      for (const s of STATES) if (counts[s] !== this.countsMem[s]) ops.push({ type: 'put', key: K.count(s), value: counts[s] });
      ops.push({ type: 'put', key: K.lastId, value: this.lastId });
      for (const sc of also.schedules ?? []) ops.push({ type: 'put', key: K.schedule(sc.name), value: sc });
      ops.push(...byType.ops());
      await this.write(ops, true);
      this.countsMem = counts;
      byType.commit();
      for (const g of newGroups) this.groups.add(g);
      return tasks;
    });
  }

  apply(id: string, event: TaskEvent): Promise<Change[]> {
    return this.exclusive(async () => {
      const task = await this.get(id);
      if (!task) throw new StoreError(`no task ${id}`, 'not-found');
      const changes = await this.cascade(task, event);
      await this.commit(changes, event.type === 'kill');
      return changes;
    });
  }

  /** The change an event makes, plus every dependent it settles (transitively). */
  private async cascade(task: Task, event: TaskEvent): Promise<Change[]> {
    const res = transition(task, event, { random: (this.opts.random ?? Math.random)() });
    if (!res.ok) throw new StoreError(res.error, res.stale ? 'stale' : 'invalid-state');
    const changes: Change[] = [{ task: res.task, from: task.state }];
    const overlay = new Map<string, Task>([[task.id, res.task]]);
    const queue = isTerminal(res.task.state) && !isTerminal(task.state) ? [res.task] : [];
    while (queue.length) {
      const done = queue.shift()!;
      for (const depId of await this.dependents(done.id)) {
        const dep = overlay.get(depId) ?? (await this.get(depId));
        if (!dep || dep.state !== 'WAITING' || !dep.waitingOn.includes(done.id)) continue;
        const r = transition(dep, { type: 'dependency', at: event.at, dep: done.id, depState: done.state as never, ...(done.reason !== undefined ? { depReason: done.reason } : {}) }, { random: 0 });
        if (!r.ok) continue;
        const prev = changes.find((c) => c.task.id === depId);
        if (prev) prev.task = r.task;
        else changes.push({ task: r.task, from: dep.state });
        overlay.set(depId, r.task);
        if (isTerminal(r.task.state)) queue.push(r.task);
      }
    }
    return changes;
  }

  /** Write a set of changes as one batch and update the in-memory counters. */
  private async commit(changes: Change[], sync: boolean, extra: Op[] = []): Promise<void> {
    const ops: Op[] = [...extra];
    const counts = { ...this.countsMem };
    const byType = this.typeCounts.begin();
    const newGroups = new Set<string>();
    const before = await this.getMany(changes.map((c) => c.task.id));
    const byId = new Map(before.map((t) => [t.id, t]));
    for (const { task } of changes) {
      const old = byId.get(task.id);
      const oldKeys = new Set(old ? indexKeys(old) : []);
      const newKeys = new Set(indexKeys(task));
      for (const k of oldKeys) if (!newKeys.has(k)) ops.push({ type: 'del', key: k });
      for (const k of newKeys) if (!oldKeys.has(k)) ops.push({ type: 'put', key: k, value: '' });
      ops.push({ type: 'put', key: K.task(task.id), value: task });
      if (old) counts[old.state]--;
      counts[task.state]++;
      if (old) byType.bump(old.type, old.state, -1);
      byType.bump(task.type, task.state, 1);
      if (isRunnable(task) && !this.groups.has(groupOf(task))) newGroups.add(groupOf(task));
    }
    for (const g of newGroups) ops.push({ type: 'put', key: K.group(g), value: '' });
    const emptied = await this.emptiedGroups(ops);
    for (const s of STATES) if (counts[s] !== this.countsMem[s]) ops.push({ type: 'put', key: K.count(s), value: counts[s] });
    ops.push(...byType.ops());
    await this.write(ops, sync);
    this.countsMem = counts;
    byType.commit();
    for (const g of newGroups) this.groups.add(g);
    for (const g of emptied) this.groups.delete(g);
    for (const { task } of changes) {
      const old = byId.get(task.id);
      const was = old !== undefined && ACTIVE.includes(old.state);
      const is = ACTIVE.includes(task.state);
      if (was !== is) this.bumpActive(task.type, is ? 1 : -1);
    }
  }

  /**
   * Queue groups this batch leaves without a runnable task: their `g!` key is deleted in the same
   * batch (added to `ops`), so groups of tag sets nobody runs any more do not pile up.
   */
  private async emptiedGroups(ops: Op[]): Promise<string[]> {
    const gone = new Map<string, Set<string>>();
    const added = new Set<string>();
    for (const op of ops) {
      if (!op.key.startsWith('q!')) continue;
      const g = op.key.slice(2, op.key.lastIndexOf('!', op.key.lastIndexOf('!') - 1));
      if (op.type === 'put') added.add(g);
      else (gone.get(g) ?? gone.set(g, new Set()).get(g)!).add(op.key);
    }
    const emptied: string[] = [];
    for (const [g, keys] of gone) {
      if (added.has(g)) continue;
      const left = await this.db.keys({ ...range(`q!${g}!`), limit: keys.size + 1 }).all();
      if (left.every((k) => keys.has(k))) {
        emptied.push(g);
        ops.push({ type: 'del', key: K.group(g) });
      }
    }
    return emptied;
  }

  private bumpActive(type: string, by: number): void {
    const n = (this.activeByType.get(type) ?? 0) + by;
    if (n <= 0) this.activeByType.delete(type);
    else this.activeByType.set(type, n);
  }

  claim(req: ClaimRequest): Promise<Change | undefined> {
    return this.exclusive(async () => {
      const have = new Set(req.tags);
      const heads: string[] = [];
      const emptied: string[] = [];
      for (const g of this.groups) {
        const { tags } = parseGroup(g);
        if (!tags.every((t) => have.has(t))) continue;
        const [key] = await this.db.keys({ ...range(`q!${g}!`), limit: 1 }).all();
        if (key === undefined) emptied.push(g);
        else heads.push(key);
      }
      const extra: Op[] = emptied.map((g) => ({ type: 'del', key: K.group(g) }));
      for (const g of emptied) this.groups.delete(g);
      // Best first: priority, then age. The group part of the key is not part of the order.
      heads.sort((a, b) => order(a).localeCompare(order(b)));
      for (const key of heads) {
        const task = await this.get(idOf(key));
        if (!task) continue;
        if (task.maxConcurrent > 0 && (this.activeByType.get(task.type) ?? 0) >= task.maxConcurrent) continue;
        const res = transition(task, { type: 'claim', worker: req.worker, at: req.now }, { random: 0 });
        if (!res.ok) continue;
        const change = { task: res.task, from: task.state };
        await this.commit([change], false, extra);
        return change;
      }
      if (extra.length) await this.write(extra, false);
      return undefined;
    });
  }

  remove(ids: string[]): Promise<string[]> {
    return this.exclusive(async () => {
      const tasks = await this.getMany([...new Set(ids)]); // a repeated id must not be counted out twice
      const ops: Op[] = [];
      const counts = { ...this.countsMem };
      const byType = this.typeCounts.begin();
      const removed: string[] = [];
      for (const t of tasks) {
        if (ACTIVE.includes(t.state)) continue;
        ops.push({ type: 'del', key: K.task(t.id) });
        for (const k of indexKeys(t)) ops.push({ type: 'del', key: k });
        counts[t.state]--;
        byType.bump(t.type, t.state, -1);
        removed.push(t.id);
      }
      const emptied = await this.emptiedGroups(ops);
      for (const s of STATES) if (counts[s] !== this.countsMem[s]) ops.push({ type: 'put', key: K.count(s), value: counts[s] });
      ops.push(...byType.ops());
      if (ops.length) await this.write(ops, true);
      this.countsMem = counts;
      byType.commit();
      for (const g of emptied) this.groups.delete(g);
      return removed;
    });
  }

  async due(now: number, limit: number): Promise<string[]> {
    const keys = await this.db.keys({ gte: 'n!', lt: `n!${pad(now)}!\xff`, limit }).all();
    return keys.map(idOf);
  }

  async nextDue(): Promise<number | undefined> {
    const [key] = await this.db.keys({ ...range('n!'), limit: 1 }).all();
    return key === undefined ? undefined : Number(key.split('!')[1]);
  }

  async dependents(id: string): Promise<string[]> {
    return (await this.db.keys(range(`d!${id}!`)).all()).map(idOf);
  }

  async active(worker?: string): Promise<Task[]> {
    const prefixes = worker !== undefined ? [`w!${worker}!`] : ACTIVE.map((s) => `s!${s}!`);
    const ids: string[] = [];
    for (const p of prefixes) for (const k of await this.db.keys(range(p)).all()) ids.push(idOf(k));
    return this.getMany(ids);
  }

  counts(): Record<State, number> {
    return { ...this.countsMem };
  }

  countsByType(): Record<string, Partial<Record<State, number>>> {
    return this.typeCounts.snapshot();
  }

  async finished(limit: number): Promise<Task[]> {
    const keys = await this.db.keys({ ...range('f!'), reverse: true, limit }).all();
    return this.getMany(keys.map(idOf));
  }

  async countFinishedSince(since: number, cap: number): Promise<number> {
    let n = 0;
    for await (const _k of this.db.keys({ gt: `f!${pad(since)}!\xff`, lt: 'f!\xff', limit: cap })) n++;
    return n;
  }

  appendSample(sample: StatsSample, dropBefore: number): Promise<void> {
    return this.exclusive(async () => {
      const old = await this.db.keys({ gte: 'h!', lt: `h!${pad(dropBefore)}`, limit: 1000 }).all();
      await this.write([...old.map((key): Op => ({ type: 'del', key })), { type: 'put', key: `h!${pad(sample.at)}`, value: sample }], false);
    });
  }

  async samples(since: number, limit: number): Promise<StatsSample[]> {
    const newest = (await this.db.values({ gte: `h!${pad(since)}`, lt: 'h!\xff', reverse: true, limit }).all()) as StatsSample[];
    return newest.reverse();
  }

  runnableTagSets(): Array<{ tags: string[]; type: string }> {
    return [...this.groups].map(parseGroup);
  }

  async storedTypes(): Promise<StoredType[]> {
    return (await this.db.values(range(K.storedType(''))).all()) as StoredType[];
  }

  putStoredType(type: StoredType): Promise<void> {
    return this.exclusive(() => this.write([{ type: 'put', key: K.storedType(type.name), value: type }], true));
  }

  removeStoredType(name: string): Promise<boolean> {
    return this.exclusive(async () => {
      if ((await this.db.get(K.storedType(name))) === undefined) return false;
      await this.write([{ type: 'del', key: K.storedType(name) }], true);
      return true;
    });
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return (await this.db.get(K.schedule(name))) as ScheduleRecord | undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.db.values(range(K.schedule(''))).all()) as ScheduleRecord[];
  }

  putSchedule(schedule: ScheduleRecord): Promise<void> {
    return this.exclusive(() => this.write([{ type: 'put', key: K.schedule(schedule.name), value: schedule }], true));
  }

  removeSchedule(name: string): Promise<boolean> {
    return this.exclusive(async () => {
      if ((await this.db.get(K.schedule(name))) === undefined) return false;
      await this.write([{ type: 'del', key: K.schedule(name) }], true);
      return true;
    });
  }

  async scheduleTasks(name: string, limit: number): Promise<string[]> {
    return (await this.db.keys({ ...range(K.scheduleTasks(name)), reverse: true, limit }).all()).map(idOf);
  }
  readonly admin: StoreAdmin = {
    check: () => checkStore(this.db, this.opts.location, 'daemon'),
    backup: async (dest) => ({ path: dest, ...(await copyStore(this.db, dest)) }),
    repair: async (backupDir) => {
      const started = Date.now();
      const before = await checkStore(this.db, this.opts.location, 'daemon');
      await copyStore(this.db, backupDir);
      const r = await this.exclusive(async () => {
        const res = await rebuildDerived(this.db);
        await this.load();
        return res;
      });
      // Rewrite every table from what is readable now, so old damage does not stay in the files.
      await this.db.compactRange('', '\xff\xff');
      const after = await checkStore(this.db, this.opts.location, 'daemon');
      const result: DbRepairResult = {
        via: 'daemon',
        location: this.opts.location,
        backup: backupDir,
        leveldbRepaired: false,
        dropped: [],
        ...r,
        problemsBefore: before.problems.length + before.moreProblems,
        problemsAfter: after.problems.length + after.moreProblems,
        ms: Date.now() - started,
      };
      return result;
    },
    dump: (q) => dumpPage(this.db, q),
  };

  async ps(params: PsParams): Promise<PsSections> {
    const limit = params.limit ?? 20;
    const want = (s: State) => !params.states || params.states.includes(s);
    const match = (t: Task) =>
      (params.type === undefined || t.type === params.type) &&
      (params.label === undefined || t.label === params.label) &&
      (params.worker === undefined || t.worker === params.worker || t.attempts.some((a) => a.worker === params.worker)) &&
      (params.since === undefined || t.createdAt >= params.since) &&
      want(t.state);
    // The narrowest index for a state: by type or label when asked, else by state.
    const stateIndex = (s: State) =>
      params.type !== undefined ? `ts!${params.type}!${s}!` : params.label !== undefined ? `ls!${escapeLabel(params.label)}!${s}!` : `s!${s}!`;
    const scanCap = limit * 20 + 1000;
    // `section` re-checks the state: a task may move between reading its index key and its record.
    const collect = async (prefix: string, n: number, section: (t: Task) => boolean, reverse = false, cap = scanCap): Promise<Task[]> => {
      const out: Task[] = [];
      const it = this.db.keys({ ...range(prefix), reverse, limit: cap });
      let batch: string[] = [];
      const flush = async () => {
        for (const t of await this.getMany(batch)) if (section(t) && match(t) && out.length < n) out.push(t);
        batch = [];
      };
      for await (const key of it) {
        batch.push(idOf(key));
        if (batch.length >= 64) await flush();
        if (out.length >= n) break;
      }
      await flush();
      return out;
    };

    const running: Task[] = [];
    const isActive = (t: Task) => t.state === 'RUNNING' || t.state === 'CLAIMED';
    const isQueued = (t: Task) => t.state === 'WAITING';
    const isDone = (t: Task) => isTerminal(t.state);
    for (const s of ['RUNNING', 'CLAIMED'] as const) if (want(s)) running.push(...(await collect(stateIndex(s), 1000, isActive)));
    running.sort((a, b) => (a.startedAt ?? a.claimedAt ?? 0) - (b.startedAt ?? b.claimedAt ?? 0));

    const queued: Task[] = [];
    if (want('WAITING') && params.type !== undefined) {
      // Runnable ones in run order: a merge of the heads of that type's queue groups (a page each).
      const heads: string[] = [];
      for (const g of this.groups) if (parseGroup(g).type === params.type) heads.push(...(await this.db.keys({ ...range(`q!${g}!`), limit: limit + 1 }).all()));
      heads.sort((a, b) => order(a).localeCompare(order(b)));
      for (const t of await this.getMany(heads.map(idOf))) if (isRunnable(t) && match(t) && queued.length < limit) queued.push(t);
      if (queued.length < limit) {
        // Then the delayed and the blocked, from the type's index: all of them, or the order could be wrong.
        const rest = await collect(stateIndex('WAITING'), Number.MAX_SAFE_INTEGER, (t) => isQueued(t) && !isRunnable(t), false, Infinity);
        queued.push(...rest.sort(runOrder).slice(0, limit - queued.length));
      }
    } else if (want('WAITING') && params.label !== undefined) {
      // The label index holds exactly the waiting tasks that can match, in id order: all are read
      // (no page of them is enough: a later one may run first), then put in run order.
      queued.push(...(await collect(stateIndex('WAITING'), Number.MAX_SAFE_INTEGER, isQueued, false, Infinity)).sort(runOrder).slice(0, limit));
    } else if (want('WAITING')) {
      // Runnable tasks in the order they will run: a merge of every queue group's head.
      const heads: string[] = [];
      for (const g of this.groups) heads.push(...(await this.db.keys({ ...range(`q!${g}!`), limit: limit + 1 }).all()));
      heads.sort((a, b) => order(a).localeCompare(order(b)));
      for (const t of await this.getMany(heads.map(idOf))) if (isQueued(t) && match(t) && queued.length < limit) queued.push(t);
      if (queued.length < limit) queued.push(...(await collect('n!', limit - queued.length, isQueued)));
      if (queued.length < limit) {
        // A task can both have a not-before time and wait on a dependency: list it once.
        const listed = new Set(queued.map((t) => t.id));
        const blocked = await collect('b!', limit - queued.length + listed.size, isQueued);
        queued.push(...blocked.filter((t) => !listed.has(t.id)).slice(0, limit - queued.length));
      }
    }

    const finished: Task[] = [];
    const terminal = STATES.filter((s) => isTerminal(s) && want(s));
    if (terminal.length === STATES.filter(isTerminal).length && params.type === undefined && params.label === undefined) {
      finished.push(...(await collect('f!', limit, isDone, true)));
    } else {
      for (const s of terminal) finished.push(...(await collect(stateIndex(s), limit, isDone, true)));
      finished.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
      finished.splice(limit);
    }

    const counts = this.counts();
    const filtered = params.type !== undefined || params.label !== undefined || params.worker !== undefined || params.since !== undefined;
    const total = (states: readonly State[]) => states.filter(want).reduce((n, s) => n + counts[s], 0);
    return {
      running,
      queued,
      finished,
      counts,
      more: filtered
        ? { queued: 0, finished: 0 }
        : {
            queued: Math.max(0, total(['WAITING']) - queued.length),
            finished: Math.max(0, total(STATES.filter(isTerminal)) - finished.length),
          },
    };
  }
}

/** Waiting tasks as ps lists them: runnable by priority then age, then by not-before time, then those blocked on dependencies. */
function runOrder(a: Task, b: Task): number {
  const rank = (t: Task) => (isRunnable(t) ? 0 : t.notBefore !== undefined ? 1 : 2);
  const key = (t: Task) => (isRunnable(t) ? `${prioKey(t.priority)}!${t.id}` : t.notBefore !== undefined ? `${pad(t.notBefore)}!${t.id}` : t.id);
  return rank(a) - rank(b) || key(a).localeCompare(key(b));
}

/** The run-order part of a queue key: priority then id. */
function order(key: string): string {
  const parts = key.split('!');
  return `${parts[parts.length - 2]}!${parts[parts.length - 1]}`;
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

async function logBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.endsWith('.log')) n += (await stat(path.join(dir, f)).catch(() => ({ size: 0 }))).size;
  }
  return n;
}

function zeroCounts(): Record<State, number> {
  return Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
}



/** Per-type, per-state counters (ct!TYPE!STATE), written in the same batch as the tasks they count. */
class TypeCounts {
  private mem = new Map<string, number>();

  load(entries: Array<[string, unknown]>): void {
    this.mem.clear();
    for (const [k, v] of entries) this.mem.set(k.slice(3), v as number);
  }

  /** A change set: bump, then write ops() in the batch, then commit() once it is written. */
  begin(): { bump(type: string, state: State, by: number): void; ops(): Op[]; commit(): void } {
    const delta = new Map<string, number>();
    const next = (k: string) => (this.mem.get(k) ?? 0) + (delta.get(k) ?? 0);
    return {
      bump: (type, state, by) => delta.set(`${type}!${state}`, (delta.get(`${type}!${state}`) ?? 0) + by),
      ops: () => [...delta].filter(([, d]) => d !== 0).map(([k]): Op => (next(k) > 0 ? { type: 'put', key: `ct!${k}`, value: next(k) } : { type: 'del', key: `ct!${k}` })),
      commit: () => {
        for (const [k, d] of delta) {
          const n = (this.mem.get(k) ?? 0) + d;
          if (n > 0) this.mem.set(k, n);
          else this.mem.delete(k);
        }
      },
    };
  }

  snapshot(): Record<string, Partial<Record<State, number>>> {
    const out: Record<string, Partial<Record<State, number>>> = {};
    for (const [k, n] of this.mem) {
      const i = k.lastIndexOf('!');
      (out[k.slice(0, i)] ??= {})[k.slice(i + 1) as State] = n;
    }
    return out;
  }
}
