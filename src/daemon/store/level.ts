// The LevelDB Store. Writers are serialised; every change is one batch.
import { ClassicLevel } from 'classic-level';
import type { PsParams, PsSections } from '../../protocol/methods.js';
import { STATES, type ScheduleRecord, type State, type Task } from '../../protocol/model.js';
import { nextId } from '../../core/ids.js';
import { transition, type TaskEvent } from '../../core/states.js';
import { groupOf, idOf, indexKeys, isRunnable, K, pad, parseGroup, range } from './keys.js';
import { migrate } from './migrations.js';
import { cascade, newTask } from './cascade.js';
import { StoreError, type Change, type ClaimRequest, type StatsSample, type Store, type StoreAdmin, type StoredType, type SubmitAlso, type TaskDraft } from './store.js';
import type { FileProblem } from './files/leveldb.js';
import { rebuildDerived } from './repair.js';
import { TypeCounts, zeroCounts, type Op } from './level-counts.js';
import { psQuery } from './level-ps.js';
import { bandHeads, emptiedGroups, loadStarts, queueHeads } from './level-claim.js';
import { candidateOf, chargeClaim, NO_POLICY, newFairShare, rankCandidates, rateLimitedTypes, recordStart, type DispatchPolicy } from '../../core/dispatch.js';
import { levelAdmin } from './level-admin.js';
import { LevelReads } from './level-reads.js';
import { saveVerified, verifyBeforeOpen } from './level-verify.js';
import { isNoSpace, roomToReopen } from './level-space.js';

export interface LevelStoreOptions {
  location: string;
  resultsRoot: string;
  /** fsync submits and kills so a power cut cannot lose an acknowledged one. */
  sync?: boolean;
  random?: () => number;
  /** Check the files' checksums before opening (default true); see files/leveldb.ts. */
  verify?: boolean;
  /** Where the files of a store with a damaged write-ahead log are copied before LevelDB replays it (the backups directory); without it such a store is refused. */
  keepDamagedIn?: string;
}

const ACTIVE: readonly State[] = ['CLAIMED', 'RUNNING'];

export class LevelStore extends LevelReads implements Store {
  private tail: Promise<unknown> = Promise.resolve();
  private countsMem = zeroCounts();
  private typeCounts = new TypeCounts();
  private groups = new Set<string>();
  private activeByType = new Map<string, number>();
  private lastId: string | undefined;
  /** Claim times of rate-limited types (r!TYPE), and the fair-share passes (in memory; see core/dispatch.ts). */
  private starts = new Map<string, number[]>();
  private fair = newFairShare();
  /** Set when a write failed for want of space: this LevelDB handle must not write again (see write()). */
  private broken: unknown;
  private verified: Record<string, string> = {};
  /** Damage the start-up check found in tables, which did not stop the open (see level-verify.ts). */
  startWarnings: FileProblem[] = [];
  /** Damage the start-up check found in write-ahead logs, which LevelDB replayed as far as it could (see level-verify.ts). */
  startLogWarnings: FileProblem[] = [];
  /** The home (BLANKET_HOME) whose db/ holds the store's files as they were before that replay. */
  keptDamaged: string | undefined;

  constructor(private readonly opts: LevelStoreOptions) {
    super();
  }

  async open(): Promise<void> {
    if (this.opts.verify !== false) {
      const r = await verifyBeforeOpen(this.opts.location, { ...(this.opts.keepDamagedIn !== undefined ? { keepDamagedIn: this.opts.keepDamagedIn } : {}) });
      ({ warnings: this.startWarnings, logWarnings: this.startLogWarnings, verified: this.verified, kept: this.keptDamaged } = r);
    }
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
      await migrate(this.db, this.opts.location);
      await this.load();
      await this.dropEmptyGroups();
    } catch (err) {
      await this.db.close().catch(() => {});
      if (err instanceof StoreError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'LEVEL_CORRUPTION' || code === 'LEVEL_DECODE_ERROR')
        throw new StoreError(`the store at ${this.opts.location} is corrupt: ${(err as Error).message}`, 'corrupt', { cause: err });
      throw err;
    }
    if (this.opts.verify !== false) saveVerified(this.opts.location, this.verified);
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
    this.starts = await loadStarts(this.db);
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
    return this.exclusive(async () => await this.db?.close());
  }

  get schemaVersion(): Promise<number> {
    return this.read((db) => db.get(K.schema)) as Promise<number>;
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
    const { free, need } = await roomToReopen(this.opts.location);
    if (free !== undefined && free < need) {
      throw new StoreError(`the disk is still full (${free} bytes free; the store needs ${need} to resume): nothing was written`, 'full', { cause: this.broken });
    }
    // Reads arriving meanwhile wait (LevelReads.read) instead of meeting a closed handle.
    this.reopens++;
    const handle = this.db;
    const cycle = (async () => {
      await handle.close().catch(() => {});
      await handle.open();
    })();
    this.reopening = cycle.catch(() => {});
    try {
      await cycle;
    } catch (err) {
      throw new StoreError(`cannot reopen the store after the disk was full: ${(err as Error).message}`, isNoSpace(err) ? 'full' : 'corrupt', { cause: err });
    } finally {
      this.reopening = undefined;
    }
    this.broken = undefined;
    await this.load();
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
        const task = await newTask(d, id, now, this.opts.resultsRoot, async (dep) => batchTasks.get(dep) ?? (await this.get(dep)));
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
  private cascade(task: Task, event: TaskEvent): Promise<Change[]> {
    // A dependent overlaid by the cascade is the cascade's; one gone meanwhile is skipped.
    const dependentsOf = async (id: string) => this.getMany(await this.dependents(id));
    return cascade(task, event, (this.opts.random ?? Math.random)(), dependentsOf);
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
    const emptied = await emptiedGroups(this.db, ops);
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

  private bumpActive(type: string, by: number): void {
    const n = (this.activeByType.get(type) ?? 0) + by;
    if (n <= 0) this.activeByType.delete(type);
    else this.activeByType.set(type, n);
  }

  claim(req: ClaimRequest): Promise<Change | undefined> {
    return this.exclusive(async () => {
      const picked = await this.pick(req, []);
      if (picked.change) await this.commit([picked.change], false, picked.extra);
      else if (picked.extra.length) await this.write(picked.extra, false);
      picked.done();
      return picked.change;
    });
  }

  /**
   * A worker's report (its task's exit) and the claim of the next task for the slot it frees, in
   * one batch: written as apply() writes it (no fsync), so a crash keeps both or neither. The claim
   * sees what the report changed (a retry or a released dependent may be the best candidate).
   */
  applyThenClaim(id: string, event: TaskEvent, req: ClaimRequest): Promise<{ changes: Change[]; claimed: Change | undefined }> {
    return this.exclusive(async () => {
      const task = await this.get(id);
      if (!task) throw new StoreError(`no task ${id}`, 'not-found');
      const changes = await this.cascade(task, event);
      const picked = await this.pick(req, changes);
      // One record per task in the batch: a task the report made runnable may be the one claimed.
      const last = new Map([...changes, ...(picked.change ? [picked.change] : [])].map((c) => [c.task.id, c]));
      await this.commit([...last.values()], false, picked.extra);
      picked.done();
      return { changes, claimed: picked.change };
    });
  }

  /**
   * Called inside exclusive(): the task a claim takes, as if `pending` (changes of the same batch,
   * not yet written) were stored. `extra`: the batch's other writes (forgotten groups, the rate
   * window); `done()` updates the in-memory dispatch state once the batch is written.
   */
  private async pick(req: ClaimRequest, pending: Change[]): Promise<{ change: Change | undefined; extra: Op[]; done(): void }> {
    const olds = new Map((await this.getMany(pending.map((c) => c.task.id))).map((t) => [t.id, t]));
    const overlay = { puts: [] as string[], dels: new Set<string>() };
    const active = new Map(this.activeByType);
    for (const { task } of pending) {
      const old = olds.get(task.id);
      const was = new Set(old ? indexKeys(old) : []);
      const is = new Set(indexKeys(task));
      for (const k of was) if (k.startsWith('q!') && !is.has(k)) overlay.dels.add(k);
      for (const k of is) if (k.startsWith('q!') && !was.has(k)) overlay.puts.push(k);
      const by = (ACTIVE.includes(task.state) ? 1 : 0) - (old && ACTIVE.includes(old.state) ? 1 : 0);
      if (by !== 0) active.set(task.type, (active.get(task.type) ?? 0) + by);
    }
    const { heads, emptied } = await queueHeads(this.db, this.groups, req.tags, overlay);
    const extra: Op[] = emptied.map((g) => ({ type: 'del', key: K.group(g) }));
    for (const g of emptied) this.groups.delete(g);
    const policy = req.policy ?? NO_POLICY;
    const tasks = new Map((await this.getMany(heads.map(idOf))).map((t) => [t.id, t]));
    for (const { task } of pending) if (tasks.has(task.id)) tasks.set(task.id, task);
    const view = { policy, active, starts: this.starts, fair: this.fair, now: req.now };
    for (const c of rankCandidates([...tasks.values()].map(candidateOf), view).order) {
      const task = tasks.get(c.id)!;
      const res = transition(task, { type: 'claim', worker: req.worker, at: req.now }, { random: 0 });
      if (!res.ok) continue;
      const limit = policy.rateLimits[task.type];
      const starts = limit ? recordStart(this.starts.get(task.type), limit, req.now) : undefined;
      if (starts) extra.push({ type: 'put', key: K.starts(task.type), value: starts });
      return {
        change: { task: res.task, from: task.state },
        extra,
        done: () => {
          if (starts) this.starts.set(task.type, starts);
          chargeClaim(this.fair, task, policy);
        },
      };
    }
    return { change: undefined, extra, done: () => {} };
  }

  async oldestRunnable(): Promise<Task | undefined> {
    const heads = await this.getMany((await this.read((db) => bandHeads(db, this.groups))).map(idOf));
    return heads.filter(isRunnable).reduce<Task | undefined>((a, t) => (a === undefined || t.updatedAt < a.updatedAt ? t : a), undefined);
  }

  async rateLimited(policy: DispatchPolicy, now: number): Promise<Record<string, number>> {
    return rateLimitedTypes(
      this.runnableTagSets().map((g) => g.type),
      this.starts,
      policy,
      now,
    );
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
      const emptied = await emptiedGroups(this.db, ops);
      for (const s of STATES) if (counts[s] !== this.countsMem[s]) ops.push({ type: 'put', key: K.count(s), value: counts[s] });
      ops.push(...byType.ops());
      if (ops.length) await this.write(ops, true);
      this.countsMem = counts;
      byType.commit();
      for (const g of emptied) this.groups.delete(g);
      return removed;
    });
  }

  restore(tasks: Task[]): Promise<string[]> {
    return this.exclusive(async () => {
      const have = new Set((await this.getMany(tasks.map((t) => t.id))).map((t) => t.id));
      const fresh = [...new Map(tasks.filter((t) => !have.has(t.id)).map((t) => [t.id, t])).values()];
      const top = fresh.reduce<string | undefined>((m, t) => (m === undefined || t.id > m ? t.id : m), this.lastId);
      if (fresh.length)
        await this.commit(
          fresh.map((task) => ({ task, from: null })),
          true,
          top !== this.lastId ? [{ type: 'put', key: K.lastId, value: top }] : [],
        );
      this.lastId = top;
      return fresh.map((t) => t.id);
    });
  }

  async active(worker?: string): Promise<Task[]> {
    const prefixes = worker !== undefined ? [`w!${worker}!`] : ACTIVE.map((s) => `s!${s}!`);
    const ids: string[] = [];
    for (const p of prefixes) for (const k of await this.read((db) => db.keys(range(p)).all())) ids.push(idOf(k));
    return this.getMany(ids);
  }

  counts(): Record<State, number> {
    return { ...this.countsMem };
  }

  countsByType(): Record<string, Partial<Record<State, number>>> {
    return this.typeCounts.snapshot();
  }

  appendSample(sample: StatsSample, dropBefore: number): Promise<void> {
    return this.exclusive(async () => {
      const old = await this.db.keys({ gte: 'h!', lt: `h!${pad(dropBefore)}`, limit: 1000 }).all();
      await this.write([...old.map((key): Op => ({ type: 'del', key })), { type: 'put', key: `h!${pad(sample.at)}`, value: sample }], false);
    });
  }

  runnableTagSets(): Array<{ tags: string[]; type: string }> {
    return [...this.groups].map(parseGroup);
  }

  async storedTypes(): Promise<StoredType[]> {
    return (await this.read((db) => db.values(range(K.storedType(''))).all())) as StoredType[];
  }

  putStoredType(type: StoredType): Promise<void> {
    return this.putRecord(K.storedType(type.name), type);
  }

  removeStoredType(name: string): Promise<boolean> {
    return this.removeRecord(K.storedType(name));
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return (await this.read((db) => db.get(K.schedule(name)))) as ScheduleRecord | undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.read((db) => db.values(range(K.schedule(''))).all())) as ScheduleRecord[];
  }

  putSchedule(schedule: ScheduleRecord): Promise<void> {
    return this.putRecord(K.schedule(schedule.name), schedule);
  }

  removeSchedule(name: string): Promise<boolean> {
    return this.removeRecord(K.schedule(name));
  }

  /** A record of its own (a schedule, a stored type): one key, written synced. */
  private putRecord(key: string, value: unknown): Promise<void> {
    return this.exclusive(() => this.write([{ type: 'put', key, value }], true));
  }

  /** False when there was no such record. */
  private removeRecord(key: string): Promise<boolean> {
    return this.exclusive(async () => {
      if ((await this.db.get(key)) === undefined) return false;
      await this.write([{ type: 'del', key }], true);
      return true;
    });
  }

  async scheduleTasks(name: string, limit: number): Promise<string[]> {
    return (await this.read((db) => db.keys({ ...range(K.scheduleTasks(name)), reverse: true, limit }).all())).map(idOf);
  }
  get admin(): StoreAdmin {
    return levelAdmin({
      db: () => this.db,
      location: this.opts.location,
      rebuild: () =>
        this.exclusive(async () => {
          const res = await rebuildDerived(this.db);
          await this.load();
          return res;
        }),
    });
  }

  ps(params: PsParams): Promise<PsSections> {
    return this.read((db) => psQuery({ db, getMany: (ids) => this.getMany(ids), groups: this.groups, counts: () => this.counts() }, params));
  }
}
