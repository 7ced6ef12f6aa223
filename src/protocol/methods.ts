// THE contract: every RPC method with its params schema (checked where a
// message enters the daemon) and its result type. Client, daemon, worker and
// UI all import this table; the daemon's handler registry is keyed by it.
import { any, arr, bool, int, literal, nullable, num, obj, opt, record, str, type Infer, type Schema } from './schema.js';
import {
  CATCH_UP_POLICIES,
  KEEP_OUTPUT,
  OVERLAP_POLICIES,
  STATES,
  type ScheduleInfo,
  type State,
  type StatsSample,
  type Task,
  type TaskTypeInfo,
  type TypeLoadError,
  type WorkerInfo,
  type WorkerState,
} from './model.js';
import { DUMP_KINDS, type DbBackupResult, type DbCheckResult, type DbDumpPage, type DbRepairResult } from './db.js';
import type { ArchiveList, ArchivedTask, RestoreResult } from './archive.js';
import { ENV_NAME } from './envname.js';
import type { HostForgetResult, HostList } from './hosts.js';

export { PROTOCOL_VERSION } from './version.js';

export { ENV_NAME };
const id = str({ min: 1, max: 64, pattern: /^[0-9a-z]+$/, what: 'a task id (or unique prefix)' });
const name = str({ min: 1, max: 128, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, what: 'a name of letters, digits, _ . -' });
const tag = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.:+-]+$/, what: 'a tag' });
const state = literal(...STATES);
const env = record(str({ max: 128 * 1024 }), { key: ENV_NAME, max: 500, what: 'an object of environment variables' });
/** A whole process environment as a shell has it (names may hold any character but = and NUL, e.g. BASH_FUNC_f%%). */
const callerEnv = record(str({ max: 128 * 1024 }), { key: /^[^=\0]{1,1024}$/, max: 10000, what: 'an object of environment variables' });

export const submitParams = obj({
  type: name,
  env: opt(env),
  label: opt(str({ max: 200 })),
  priority: opt(int({ min: -1000000, max: 1000000 })),
  tags: opt(arr(tag, { max: 64 })),
  retries: opt(int({ min: 0, max: 1000 })),
  timeout: opt(int({ min: 0, max: 10 * 365 * 86400 })),
  after: opt(arr(id, { max: 1000 })),
  notBefore: opt(int({ min: 0 })),
  cwd: opt(str({ max: 4096 })),
  /** The process's base environment instead of the worker's (run -- sends the CLI's). */
  callerEnv: opt(callerEnv),
  notify: opt(bool),
  /** Overrides the type's keep_output. */
  keepOutput: opt(literal(...KEEP_OUTPUT)),
});
export type SubmitParams = Infer<typeof submitParams>;

/** A schedule: when (cron in a zone), what each fire submits (flat, as `run` takes it), and its policies. */
export const scheduleAddParams = obj({
  name,
  cron: str({ min: 1, max: 256, what: 'a cron expression' }),
  tz: opt(str({ min: 1, max: 64, what: 'an IANA time zone name' })),
  type: name,
  env: opt(env),
  label: opt(str({ max: 200 })),
  priority: opt(int({ min: -1000000, max: 1000000 })),
  tags: opt(arr(tag, { max: 64 })),
  retries: opt(int({ min: 0, max: 1000 })),
  timeout: opt(int({ min: 0, max: 10 * 365 * 86400 })),
  cwd: opt(str({ max: 4096 })),
  overlap: opt(literal(...OVERLAP_POLICIES)),
  catchUp: opt(literal(...CATCH_UP_POLICIES)),
  catchUpMax: opt(int({ min: 1, max: 1000 })),
  paused: opt(bool),
});
export type ScheduleAddParams = Infer<typeof scheduleAddParams>;

export interface ScheduleResult {
  schedule: ScheduleInfo;
  warnings: string[];
}

export interface ScheduleList {
  schedules: ScheduleInfo[];
  /** [[schedule]] entries of config.toml not in force (unknown type, missing env, a name taken by `schedule add`). */
  errors: TypeLoadError[];
}

export interface ScheduleShow {
  schedule: ScheduleInfo;
  /** The tasks it made, newest first. */
  history: Task[];
}

export interface RunResult {
  task: Task;
  warnings: string[];
}

export interface PsSections {
  running: Task[];
  queued: Task[];
  finished: Task[];
  /** How many tasks each state holds in all (not only the page). */
  counts: Record<State, number>;
  /** How many more matched than the page shows. */
  more: { queued: number; finished: number };
  /** Why a queued task is not running, beyond what its record says (no matching worker, max_concurrent, rate limit). */
  reasons?: Record<string, string>;
}

export interface ShowResult {
  task: Task;
  dependents: string[];
  /** The state of each dependency and dependent that still exists, by id. */
  related?: Record<string, State>;
  /** The names in the task's callerEnv (its values never leave the daemon but to the worker). */
  callerEnvNames?: string[];
  /** Why a runnable task waits, beyond its record ("rate limited until 12:01:30"). */
  waiting?: string;
}

export interface TypesNewResult {
  /** The starter file written. */
  path: string;
  /** The type it defines, now in force. */
  type: TaskTypeInfo;
  /** A type of that name that it now overrides (its source). */
  overrides?: string;
}

export interface TypesAddResult {
  type: TaskTypeInfo;
  /** A type of that name was stored before and is replaced. */
  replaced: boolean;
  /** A file type of the same name, which stays in force (files win). */
  shadowedBy?: string;
  warnings: string[];
}

export interface TypesExportResult {
  name: string;
  format: 'toml' | 'json';
  /** Where the type comes from: a file path or db:NAME. */
  source: string;
  /** The type with extends applied, as a file `types add` takes back. */
  text: string;
}

/** Milliseconds, over `count` tasks. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  sum: number;
}

/** What /proc says of a process (or a task's process group): absent where it cannot be read. */
export interface ProcUsage {
  /** Resident memory, bytes. */
  rss?: number;
  /** CPU time used, ms. */
  cpu?: number;
  /** Open file descriptors. */
  fds?: number;
}

export interface StatsResult {
  at: number;
  version: string;
  counts: Record<State, number>;
  /** Tasks of each type in each state (only counts above zero). */
  byType: Record<string, Partial<Record<State, number>>>;
  /** Tasks that ended in the last 1, 5 and 15 minutes (`capped`: at least that many). */
  finished: { '1m': number; '5m': number; '15m': number; capped: boolean };
  /** Over the latest finished tasks that ran: queue wait (submit → first start) and run time (start → end of the last attempt). */
  latency: { queueWait: Percentiles; runTime: Percentiles; byType: Record<string, { queueWait: Percentiles; runTime: Percentiles }> };
  daemon: { pid: number; uptime: number; rss: number; heapUsed: number; cpu: number; fds?: number; eventLoopLag: number; eventLoopUtilization: number };
  workers: Array<{ id: string; state: WorkerState; slots: number; running: number; pid?: number } & ProcUsage>;
  /** Running tasks, with what their whole process group uses. */
  tasks: Array<{ id: string; type: string; worker?: string; startedAt?: number; processes: number } & ProcUsage>;
  /** Disk used by result dirs (`complete` false: the walk stopped at its limit), and free on their filesystem. */
  disk: { used: number; files: number; complete: boolean; measuredAt: number; free?: number };
  /** The sampler: how often, when last, and what the last sample cost (wall time, and CPU time of the daemon meanwhile). */
  sampler: { intervalMs: number; lastAt?: number; lastCostMs?: number; lastCpuMs?: number };
  /** Samples, oldest first. */
  history: StatsSample[];
  /** The Prometheus listener: its address, or why it is not listening; absent when off. */
  metrics?: { listen: string } | { error: string };
  /** For health checks (stats --format checkmk): since when the longest-runnable task has waited (absent: none), and tasks that ended ERROR, TIMEDOUT or LOST in the last hour (`capped`: at least). */
  health?: { oldestRunnableSince?: number; failedLastHour: number; capped: boolean };
}

export interface DaemonStatus {
  pid: number;
  version: string;
  protocol: number;
  home: string;
  socket: string;
  startedAt: number;
  counts: Record<State, number>;
  /** Resident memory of the daemon, bytes. */
  rss: number;
  /** CPU time the daemon has used, ms. */
  cpu: number;
  workers: number;
  /** Open event subscriptions (ps --watch, top, wait, run --wait). */
  subscriptions: number;
  /** Which store the daemon keeps its tasks in, and where (a PostgreSQL URL with its password masked). */
  store?: { kind: 'leveldb' | 'postgresql'; location: string };
  /** With a PostgreSQL store: this daemon's name among the daemons sharing it (store.host). */
  host?: string;
  /** Damage the start-up check found in the store and started anyway (a table; a log LevelDB replayed, with where its copy is). */
  storeWarnings?: string[];
}

export const psParams = obj({
  states: opt(arr(state, { max: STATES.length })),
  type: opt(name),
  label: opt(str({ max: 200 })),
  worker: opt(str({ max: 128 })),
  limit: opt(int({ min: 1, max: 10000 })),
  since: opt(int({ min: 0 })),
});
export type PsParams = Infer<typeof psParams>;

export const subscribeParams = obj({
  ids: opt(arr(id, { max: 1000 })),
  types: opt(arr(name, { max: 100 })),
  kinds: opt(arr(literal('task', 'worker', 'log', 'daemon'), { max: 4 })),
});

const workerId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.-]+$/, what: 'a worker id' });
const signal = str({ min: 1, max: 16, pattern: /^(SIG)?[A-Z0-9]+$/i, what: 'a signal name such as TERM or SIGINT' });
const exitCause = literal('exit', 'timeout', 'killed');
const held = obj({
  id,
  attempt: int({ min: 1 }),
  pid: opt(int({ min: 1 })),
  pgid: opt(int({ min: 1 })),
  pidStart: opt(num({ min: 0 })),
  startedAt: opt(int({ min: 0 })),
  exit: opt(obj({ exitCode: nullable(int()), signal: nullable(str({ max: 16 })), cause: exitCause, at: int({ min: 0 }) })),
});
const stream = literal('stdout', 'stderr', 'output');

export interface WorkerSettings {
  killGraceMs: number;
  maxOutputBytes: number;
  heartbeatMs: number;
  resultsRoot: string;
  socket: string;
}

/** One page of a task's output: the bytes as they are, so binary output and split characters survive. */
export interface LogsResult {
  /** Base64 of the page's bytes (at most 512 KiB of them). */
  data: string;
  /** Where the page starts in the file (with `lines`: where the last N lines start). */
  offset: number;
  /** Where the next page starts: pass it as `offset`. */
  next: number;
  /** The file's size when read. */
  size: number;
  /** The page reaches the end of the file (as it was when read). */
  eof: boolean;
  path: string;
  state: State;
}

export type ControlMessage =
  | { action: 'wake' }
  | { action: 'offer'; tasks: Task[] }
  | { action: 'kill'; id: string; signal: string }
  | { action: 'pause' }
  | { action: 'resume' }
  | { action: 'stop'; kill: boolean };
export type SubscribeParams = Infer<typeof subscribeParams>;

function method<P, R>(params: Schema<P>, _result?: R) {
  return { params, result: any<R>() };
}

export const methods = {
  /** First call on every connection: checks the protocol version. */
  hello: method(
    /** `token`: on the peer listener (TLS) only, the shared store.peer_token. */
    obj({ protocol: int({ min: 0 }), client: str({ max: 200 }), token: opt(str({ max: 1000 })) }),
    {} as { protocol: number; version: string; pid: number; /** The largest message the daemon reads (max_message_bytes). */ maxMessageBytes?: number },
  ),
  run: method(submitParams, {} as RunResult),
  /** `callerEnv`: once for the whole batch, the callerEnv of its ad-hoc (type shell) tasks that give none. */
  'run.batch': method(obj({ tasks: arr(any<unknown>(), { max: 10000 }), callerEnv: opt(callerEnv) }), {} as { ids: string[] }),
  ps: method(psParams, {} as PsSections),
  show: method(obj({ id }), {} as ShowResult),
  /** Archives the tasks (undo brings them back) unless `purge`. */
  rm: method(obj({ ids: arr(id, { min: 1, max: 10000 }), dryRun: opt(bool), purge: opt(bool) }), {} as { removed: string[]; archived?: boolean }),
  'archive.ls': method(obj({ limit: opt(int({ min: 1, max: 10000 })) }), {} as ArchiveList),
  'archive.show': method(obj({ id }), {} as ArchivedTask),
  'archive.restore': method(obj({ ids: arr(id, { min: 1, max: 10000 }) }), {} as RestoreResult),
  'archive.rm': method(obj({ ids: arr(id, { min: 1, max: 10000 }) }), {} as { removed: string[] }),
  /** Restore what the last rm archived. */
  undo: method(obj({ dryRun: opt(bool) }), {} as RestoreResult & { batch: string; at: number }),
  'types.ls': method(obj({}), {} as { types: TaskTypeInfo[]; errors: TypeLoadError[] }),
  'types.show': method(obj({ name }), {} as TaskTypeInfo),
  'types.validate': method(
    obj({ name: opt(name), file: opt(str({ max: 4096 })), content: opt(str({ max: 1024 * 1024 })) }),
    {} as { ok: boolean; errors: TypeLoadError[]; warnings: string[]; checked: string[] },
  ),
  'types.new': method(obj({ name, executor: opt(str({ min: 1, max: 256, pattern: /^[^\s'"`$;|&<>]+$/, what: 'a program name' })) }), {} as TypesNewResult),
  'types.add': method(obj({ name, content: str({ max: 1024 * 1024 }), file: opt(str({ max: 4096 })) }), {} as TypesAddResult),
  'types.export': method(obj({ name, format: opt(literal('toml', 'json')) }), {} as TypesExportResult),
  'types.rm': method(obj({ name }), {} as { removed: string; inForce?: string }),
  'types.rescan': method(obj({}), {} as { types: number; errors: TypeLoadError[] }),
  stats: method(obj({ history: opt(int({ min: 0, max: 100000 })) }), {} as StatsResult),
  'daemon.status': method(obj({}), {} as DaemonStatus),
  'daemon.stop': method(obj({ keepWorkers: opt(bool) }), {} as { stopping: boolean; pid: number }),
  'events.subscribe': method(subscribeParams, {} as { subscription: string }),
  'events.unsubscribe': method(obj({ subscription: str({ max: 64 }) }), {} as { ok: boolean }),
  kill: method(obj({ ids: arr(id, { min: 1, max: 10000 }), signal: opt(signal) }), {} as { stopping: string[]; cancelled: string[]; pending?: string[] }),
  rerun: method(obj({ id, env: opt(env) }), {} as RunResult),
  logs: method(obj({ id, stream: opt(stream), lines: opt(int({ min: 0, max: 1_000_000 })), offset: opt(int({ min: 0 })), limit: opt(int({ min: 1 })) }), {} as LogsResult),
  'logs.follow': method(obj({ id, stream: opt(stream), lines: opt(int({ min: 0, max: 1_000_000 })) }), {} as { subscription: string; path: string; text: string; done: boolean }),
  progress: method(obj({ id, percent: num({ min: 0, max: 100 }), message: opt(str({ max: 1000 })) }), {} as { ok: boolean }),
  'schedule.add': method(scheduleAddParams, {} as ScheduleResult),
  'schedule.ls': method(obj({}), {} as ScheduleList),
  'schedule.show': method(obj({ name, limit: opt(int({ min: 1, max: 1000 })) }), {} as ScheduleShow),
  'schedule.rm': method(obj({ name }), {} as { removed: string }),
  'schedule.pause': method(obj({ name }), {} as ScheduleInfo),
  'schedule.resume': method(obj({ name }), {} as ScheduleInfo),
  /** Run once now, whatever the overlap policy and even when paused. */
  'schedule.trigger': method(obj({ name }), {} as RunResult),
  'worker.ls': method(obj({}), {} as { workers: WorkerInfo[] }),
  /** The daemons sharing the store (one on LevelDB), with their lease, and the hosts forgotten. */
  'hosts.ls': method(obj({}), {} as HostList),
  /** Forget a daemon gone for good (its lease expired): its finished tasks become archivable by every daemon. */
  'hosts.forget': method(obj({ name: str({ min: 1, max: 200, pattern: /^[A-Za-z0-9._:/@-]+$/, what: 'a host name (store.host)' }) }), {} as HostForgetResult),
  'worker.start': method(obj({ name: opt(name), tags: opt(arr(tag, { max: 64 })), slots: opt(int({ min: 1, max: 1024 })) }), {} as WorkerInfo),
  'worker.stop': method(obj({ id: workerId, kill: opt(bool) }), {} as WorkerInfo),
  'worker.pause': method(obj({ id: workerId }), {} as WorkerInfo),
  'worker.resume': method(obj({ id: workerId }), {} as WorkerInfo),
  /** At most 512 KiB of lines a reply: `before` in a result continues further back. */
  'worker.logs': method(
    obj({
      id: workerId,
      lines: opt(int({ min: 0, max: 1_000_000 })),
      level: opt(literal('debug', 'info', 'warn', 'error')),
      before: opt(str({ max: 64, pattern: /^\d+:\d+$/, what: 'a cursor from a previous page' })),
    }),
    {} as { text: string; path: string; before?: string },
  ),
  // Called by workers on their own connection.
  'worker.register': method(
    obj({
      id: opt(workerId),
      name,
      tags: arr(tag, { max: 256 }),
      slots: int({ min: 0, max: 1024 }),
      pid: int({ min: 1 }),
      host: str({ max: 256 }),
      local: bool,
      held: arr(held, { max: 10000 }),
      /** Take offers: when tasks wait, the daemon claims for the worker and sends them (`control` `offer`) instead of `wake`. */
      offers: opt(bool),
    }),
    {} as { worker: WorkerInfo; settings: WorkerSettings },
  ),
  'worker.claim': method(obj({ worker: workerId, max: int({ min: 1, max: 1024 }) }), {} as { tasks: Task[] }),
  'worker.started': method(
    obj({ worker: workerId, id, attempt: int({ min: 1 }), pid: int({ min: 1 }), pgid: int({ min: 1 }), pidStart: opt(num({ min: 0 })), at: int({ min: 0 }) }),
    {} as { ok: boolean; stop: boolean },
  ),
  'worker.finished': method(
    obj({
      worker: workerId,
      id,
      attempt: int({ min: 1 }),
      exitCode: nullable(int()),
      signal: nullable(str({ max: 16 })),
      cause: exitCause,
      at: int({ min: 0 }),
      reason: opt(str({ max: 2000 })),
      claim: opt(int({ min: 0, max: 1024 })),
    }),
    {} as { ok: boolean; tasks?: Task[] },
  ),
  'worker.unclaim': method(obj({ worker: workerId, id, attempt: int({ min: 1 }), reason: str({ max: 2000 }) }), {} as { ok: boolean }),
  'worker.heartbeat': method(obj({ worker: workerId, running: arr(id, { max: 10000 }) }), {} as { ok: boolean }),
  // Store maintenance (docs/operations.md).
  'db.check': method(obj({}), {} as DbCheckResult),
  'db.repair': method(obj({}), {} as DbRepairResult),
  'db.backup': method(obj({ path: opt(str({ min: 1, max: 4096, pattern: /^\//, what: 'an absolute path' })) }), {} as DbBackupResult),
  'db.dump': method(
    obj({ kind: opt(literal(...DUMP_KINDS)), from: opt(id), to: opt(id), after: opt(str({ min: 1, max: 4096 })), limit: opt(int({ min: 1, max: 5000 })) }),
    {} as DbDumpPage,
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Infer<Methods[M]['params']>;
export type Result<M extends MethodName> = Infer<Methods[M]['result']>;

export type DaemonEvent =
  /** `peer`: the change was made by another daemon on the same PostgreSQL store (that daemon's hooks run for it, not this one's). */
  | { kind: 'task'; task: Task; from: State | null; peer?: boolean }
  | { kind: 'task.removed'; id: string }
  | { kind: 'worker'; worker: WorkerInfo }
  | { kind: 'log'; id: string; stream: 'stdout' | 'stderr' | 'output'; data: string }
  | { kind: 'log.end'; id: string; state: State }
  | { kind: 'daemon'; message: string };

/** Server → client notifications. */
export interface Notifications {
  event: { subscription: string; event: DaemonEvent };
  /** To a worker on its own connection. */
  control: ControlMessage;
}
