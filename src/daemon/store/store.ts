// The Store, in domain terms. LevelDB (level.ts) and PostgreSQL (pg.ts) implement it,
// and every backend must pass test/integration/store-conformance.
import type { PsParams, PsSections } from '../../protocol/methods.js';
import type { ScheduleRecord, State, StatsSample, Task } from '../../protocol/model.js';
import type { HostInfo } from '../../protocol/hosts.js';

export type { StatsSample };
import type { TaskEvent } from '../../core/states.js';
import type { DbBackupResult, DbCheckResult, DbDumpPage, DbRepairResult } from '../../protocol/db.js';
import type { DumpQuery } from './dump.js';
import type { DispatchPolicy } from '../../core/dispatch.js';

/** A task as submitted: the store gives it its id, result dir and timestamps. */
export type TaskDraft = Omit<Task, 'id' | 'resultDir' | 'createdAt' | 'updatedAt' | 'state' | 'attempt' | 'attempts' | 'waitingOn'>;

export interface Change {
  task: Task;
  from: State | null;
}

export interface ClaimRequest {
  worker: string;
  tags: readonly string[];
  now: number;
  /** Rate limits and fair-share weights in force (absent: none); the store applies them with core/dispatch.ts. */
  policy?: DispatchPolicy;
}

export interface Store {
  open(): Promise<void>;
  close(): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  /** Ids starting with `prefix`, at most `limit`. */
  findIds(prefix: string, limit: number): Promise<string[]>;
  /**
   * Store new tasks in one atomic batch; dependencies already finished are applied at once.
   * `schedules` are written in the same batch: a schedule's fire and the task it makes
   * are one write, so a crash can neither lose the fire nor repeat it.
   */
  submit(drafts: TaskDraft[], now: number, also?: SubmitAlso): Promise<Task[]>;
  /** Apply one event through the transition function; dependents it settles change in the same batch. */
  apply(id: string, event: TaskEvent): Promise<Change[]>;
  /**
   * Take the best runnable task whose tags the worker has, and mark it CLAIMED: the candidates are
   * the head of each queue group (tags, type, label), ordered by core/dispatch.ts rankCandidates();
   * a claim of a rate-limited type records its time (recordStart) in the same batch, so the
   * window survives a restart; chargeClaim() updates the in-memory fair share.
   */
  claim(req: ClaimRequest): Promise<Change | undefined>;
  /**
   * apply() and then claim() for the slot the event frees, in one batch (stores that can; the
   * engine calls the two apart otherwise). `changes` are apply()'s, `claimed` claim()'s.
   */
  applyThenClaim?(id: string, event: TaskEvent, req: ClaimRequest): Promise<{ changes: Change[]; claimed: Change | undefined }>;
  /** The runnable task that has been runnable longest (least updatedAt: submitted, or released by its delay or dependencies), for health checks. */
  oldestRunnable(): Promise<Task | undefined>;
  /** Types with runnable tasks that their rate limit holds back now, with when they may start again (epoch ms). */
  rateLimited(policy: DispatchPolicy, now: number): Promise<Record<string, number>>;
  /** Remove tasks that are not CLAIMED or RUNNING. */
  remove(ids: string[]): Promise<string[]>;
  /**
   * Put archived tasks back as they were (every index key and counter); ids the store holds are
   * left alone and not returned. A restored id beyond the last id given moves the last id up.
   */
  restore(tasks: Task[]): Promise<string[]>;
  /**
   * The oldest finished tasks (by end time), at most `limit`; only those that ended before
   * `endedBefore` if given; with `hosts`, only those that ran on one of these daemons or on none (a
   * store shared by peer daemons: a task's output is where it ran). LevelDB has one host and ignores it.
   */
  oldestFinished(limit: number, endedBefore?: number, hosts?: readonly string[]): Promise<Task[]>;
  /** The daemons sharing the store and the hosts forgotten (`hosts ls`); LevelDB: this daemon (`me`) alone. */
  hosts(me: string): Promise<HostInfo[]>;
  /** The hosts `hosts forget` forgot: their finished tasks are every daemon's to archive (without their output). */
  forgottenHosts(): Promise<string[]>;
  /**
   * Forget a daemon gone for good (`me` is the one asking), in one batch: the tasks it still holds
   * end as in a lease takeover, its lease row goes and its name is recorded as forgotten, so that
   * it can never register again. Refused, writing nothing, for `me`, a live lease, or an unknown name.
   */
  forgetHost(name: string, me: string, at: number): Promise<ForgetOutcome>;
  /** Tasks whose not-before time is at or before `now`. */
  due(now: number, limit: number): Promise<string[]>;
  /** The earliest not-before time of any waiting task. */
  nextDue(): Promise<number | undefined>;
  /** Tasks that wait for `id`. */
  dependents(id: string): Promise<string[]>;
  /** Tasks CLAIMED or RUNNING, optionally on one worker. */
  active(worker?: string): Promise<Task[]>;
  ps(params: PsParams): Promise<PsSections>;
  counts(): Record<State, number>;
  /** Whether any runnable task needs exactly this tag set (for the "no worker can run it" check). */
  runnableTagSets(): Array<{ tags: string[]; type: string }>;
  /** Tasks of each type in each state (only counts above zero). */
  countsByType(): Record<string, Partial<Record<State, number>>>;
  /** The latest finished tasks, newest first (by end time). */
  finished(limit: number): Promise<Task[]>;
  /** How many tasks ended after `since` (epoch ms), counting up to `cap`. */
  countFinishedSince(since: number, cap: number): Promise<number>;
  /** Add a stats sample; samples older than `dropBefore` go. */
  appendSample(sample: StatsSample, dropBefore: number): Promise<void>;
  /** Samples taken at or after `since`, oldest first; the newest `limit` of them. */
  samples(since: number, limit: number): Promise<StatsSample[]>;
  /** Task types added over RPC (`types add`), by name. */
  storedTypes(): Promise<StoredType[]>;
  /** Add or replace one. */
  putStoredType(type: StoredType): Promise<void>;
  /** False when there was none of that name. */
  removeStoredType(name: string): Promise<boolean>;
  getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;
  putSchedule(schedule: ScheduleRecord): Promise<void>;
  /** False when there was none. The tasks it made stay. */
  removeSchedule(name: string): Promise<boolean>;
  /** Ids of the tasks a schedule made, newest first. */
  scheduleTasks(name: string, limit: number): Promise<string[]>;
  /** Maintenance (`blanket db …`): what it means depends on the backend. */
  readonly admin: StoreAdmin;
}

/** Why `hosts forget` did not forget a name (nothing was written). */
export type ForgetRefusal = { why: 'self' } | { why: 'live'; leaseLeftMs: number } | { why: 'forgotten'; at: number; by: string } | { why: 'unknown'; known: string[] };

export type ForgetOutcome = { ok: true; changes: Change[]; at: number; finished: number } | ({ ok: false } & ForgetRefusal);

/** Maintenance of a live store, for the db.* methods. */
export interface StoreAdmin {
  /** Every checksum, record and derived key, from one consistent view. */
  check(): Promise<DbCheckResult>;
  /** A consistent copy into `dest` (a new directory), while writes go on. */
  backup(dest: string): Promise<Omit<DbBackupResult, 'via' | 'ms'>>;
  /** Back up into `backupDir`, then rebuild everything derived from the task records. */
  repair(backupDir: string): Promise<DbRepairResult>;
  dump(q: DumpQuery): Promise<DbDumpPage>;
}

/** A task type added over RPC: its text as given, parsed again at every start. */
export interface StoredType {
  name: string;
  format: 'toml' | 'json';
  content: string;
  addedAt: number;
}

/** What else a submit batch writes. */
export interface SubmitAlso {
  schedules?: ScheduleRecord[];
}

export class StoreError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-found' | 'invalid-state' | 'stale' | 'corrupt' | 'full' | 'newer-schema' | 'locked' | 'unavailable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
