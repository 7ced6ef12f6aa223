// The records that cross the wire. The daemon stores tasks in this shape too.

export const STATES = ['WAITING', 'CLAIMED', 'RUNNING', 'SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED'] as const;
export type State = (typeof STATES)[number];

export const TERMINAL_STATES = ['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED'] as const satisfies readonly State[];
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminal(s: State): s is TerminalState {
  return (TERMINAL_STATES as readonly State[]).includes(s);
}

/** One run of a task's process. A retried task has several. */
export interface Attempt {
  attempt: number;
  worker?: string;
  /** With a PostgreSQL store: the daemon (store.host) whose worker claimed it. */
  host?: string;
  claimedAt?: number;
  startedAt?: number;
  endedAt?: number;
  pid?: number;
  /** The state this attempt ended in (a retry puts the task back to WAITING, but the attempt keeps its outcome). */
  outcome?: TerminalState;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
}

export interface Progress {
  percent: number;
  message: string;
  at: number;
}

export interface FileSpec {
  name: string;
  content: string;
}

export interface Task {
  /** Sortable by creation; see core/ids. */
  id: string;
  type: string;
  label?: string;
  priority: number;
  /** Everything exported to the process: the type's defaults, then what was submitted. */
  env: Record<string, string>;
  /** Capabilities a worker must have (a subset of its tags). */
  tags: string[];
  executor: string;
  /** executor = [PROGRAM, ARGS…]: the arguments before the command (absent: the known executor's own flags). */
  executorArgs?: string[];
  /** The rendered command, exactly as the executor will receive it. */
  command: string;
  files: FileSpec[];
  /** What is kept of its output (absent, in tasks older than the field: always). */
  keepOutput?: KeepOutput;
  /** The type's `user`/`group`: the process and its type's hooks run with these ids (resolved at submit). */
  runAs?: RunAs;
  /** Working directory: absolute, or relative to resultDir; absent: resultDir. Ad-hoc tasks get the submitter's. */
  cwd?: string;
  /**
   * The submitting CLI's whole environment (ad-hoc tasks): the process starts from it instead of
   * from the worker's. Stored and sent to the worker that runs the task only; every result and
   * event a client gets leaves it out (show says which names it holds).
   */
  callerEnv?: Record<string, string>;
  /** stdout and stderr go to one output.log. */
  combinedOutput?: boolean;
  /** Seconds. */
  timeout: number;
  retries: number;
  /** Milliseconds: the first retry's delay; doubles each attempt, capped. */
  retryBackoff: number;
  /** Per-type concurrency limit captured at submit (0 = none). */
  maxConcurrent: number;
  state: State;
  /** Why a task is in its state (e.g. "dependency 0kq3 ended ERROR"). */
  reason?: string;
  /** 1-based number of the current or last attempt. */
  attempt: number;
  attempts: Attempt[];
  /** Dependencies as given at submit. */
  after: string[];
  /** Dependencies not yet met (empty when runnable). */
  waitingOn: string[];
  /** Epoch ms before which the task must not start. */
  notBefore?: number;
  createdAt: number;
  updatedAt: number;
  claimedAt?: number;
  startedAt?: number;
  endedAt?: number;
  worker?: string;
  /** With a PostgreSQL store shared by many daemons: the daemon (store.host) whose worker holds or last held it; its output is there. */
  host?: string;
  pid?: number;
  pgid?: number;
  /** The process's start time as the OS tells it (Linux: clock ticks since boot), to verify a pid before signalling it. */
  pidStart?: number;
  exitCode?: number | null;
  signal?: string | null;
  progress?: Progress;
  /** A kill was requested while it ran; the worker is stopping it. */
  stopRequested?: boolean;
  /** The signal that kill asked for (delivered again when its worker re-registers). */
  stopSignal?: string;
  schedule?: { name: string; fireAt: number };
  resultDir: string;
  /** The type's hook commands as they were at submit (on_success, on_failure, on_finish). */
  hooks?: Partial<Record<'on_success' | 'on_failure' | 'on_finish', string>>;
  /** A desktop notification when it ends (run --notify). */
  notify?: boolean;
}

/** keep_output: always; on_failure (a task that ends SUCCESS has its output removed); never (not written). */
export const KEEP_OUTPUT = ['always', 'on_failure', 'never'] as const;
export type KeepOutput = (typeof KEEP_OUTPUT)[number];

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  /** The group named by the type; absent: the user's own. */
  group?: string;
  /** The user's home directory (HOME for the process). */
  home?: string;
}

export interface TaskTypeField {
  name: string;
  value?: string;
  description?: string;
}

export interface TaskTypeInfo {
  name: string;
  description: string;
  source: string;
  tags: string[];
  executor: string;
  /** executor = [PROGRAM, ARGS…]: the arguments before the command. */
  executorArgs?: string[];
  command: string;
  timeout: number;
  retries: number;
  retryBackoff: number;
  priority: number;
  maxConcurrent: number;
  /** rate_limit: at most `count` tasks of the type start in any window of `windowMs`. */
  rateLimit?: { count: number; windowMs: number };
  /** weight: its fair share among types of equal priority (absent: 1). */
  weight?: number;
  keepOutput: KeepOutput;
  /** Run its tasks and hooks as this user (and group): the daemon must run as root. */
  user?: string;
  group?: string;
  cwd?: string;
  files: FileSpec[];
  extends?: string;
  combinedOutput: boolean;
  environment: { default: TaskTypeField[]; required: TaskTypeField[]; optional: TaskTypeField[] };
  /** Commands run when a task of the type ends. */
  hooks?: Partial<Record<'on_success' | 'on_failure' | 'on_finish', string>>;
  /** allow_raw: its hooks may use {{raw NAME}} / {{.NAME}} (values spliced as shell code). */
  allowRaw?: boolean;
  /** Problems found when it was last read; the type shown is the last good version. */
  error?: string;
  warnings: string[];
}

export interface TypeLoadError {
  file: string;
  line?: number;
  message: string;
}

export const WORKER_STATES = ['running', 'paused', 'stopping', 'stopped', 'lost'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export interface WorkerInfo {
  id: string;
  name: string;
  tags: string[];
  slots: number;
  state: WorkerState;
  pid?: number;
  host: string;
  /** Started and supervised by the daemon (restarted when it dies). */
  local: boolean;
  /** Ids of the tasks it holds (claimed or running). */
  running: string[];
  startedAt: number;
  heartbeatAt: number;
  restarts: number;
  /** Why it is lost or stopped. */
  reason?: string;
}

/** What a worker reports about a task it still holds when it (re)registers. */
export interface HeldTask {
  id: string;
  /** The attempt the worker runs: a report for any other is refused (STALE_REPORT). */
  attempt: number;
  pid?: number;
  pgid?: number;
  pidStart?: number;
  startedAt?: number;
  /** Set when the process ended while the daemon was away. */
  exit?: { exitCode: number | null; signal: string | null; cause: 'exit' | 'timeout' | 'killed'; at: number };
}

/** One point of the stats history the daemon keeps (every metrics.sample_interval). */
export interface StatsSample {
  at: number;
  /** Tasks in each state. */
  counts: Record<State, number>;
  /** Tasks that ended since the previous sample. */
  finished: number;
  /** Daemon resident memory, bytes. */
  rss: number;
  /** Daemon CPU time used since its start, ms. */
  cpu: number;
  /** How late the sample's timer fired, ms: event-loop lag. */
  lag: number;
  /** Share of the time since the previous sample the event loop was busy, 0..1. */
  elu: number;
  /** Live workers. */
  workers: number;
}

/** What a schedule does when it fires while its previous run is still waiting or running. */
export const OVERLAP_POLICIES = ['skip', 'queue', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** What a schedule does about fires it missed (the daemon was down, the machine asleep). */
export const CATCH_UP_POLICIES = ['none', 'latest', 'all'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

/** The run request each fire of a schedule submits. */
export interface ScheduledTask {
  type: string;
  env?: Record<string, string>;
  label?: string;
  priority?: number;
  tags?: string[];
  retries?: number;
  timeout?: number;
  cwd?: string;
}

/** A schedule as written: when, what, and its policies. */
export interface ScheduleSpec {
  name: string;
  /** cron-parser syntax: 5 fields, or 6 with seconds first, or an alias such as @daily. */
  cron: string;
  /** IANA time zone of the expression; absent: the daemon's local zone. */
  tz?: string;
  task: ScheduledTask;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  /** With catchUp "all": at most this many runs for the missed fires. */
  catchUpMax: number;
}

/** A schedule as the store keeps it. */
export interface ScheduleRecord extends ScheduleSpec {
  /** Made by `schedule add`, or declared in config.toml (reconciled at start and on change). */
  source: 'cli' | 'config';
  paused: boolean;
  createdAt: number;
  updatedAt: number;
  /** Every fire at or before this time is decided (run, queued or skipped). Written in the batch that submits a fire's task. */
  cursor: number;
  /** Fires held back by the "queue" overlap policy, oldest first; each is submitted in the batch that removes it. */
  queued: number[];
  /** Fires that made no task (overlap skip, missed and not caught up, an error), in all. */
  skipped: number;
  /** The latest such decision: when, and why. */
  lastSkip?: { at: number; reason: string };
}

/** A schedule as `schedule ls` and `show` report it. */
export interface ScheduleInfo extends ScheduleRecord {
  /** The zone in force: tz, or the daemon's local zone. */
  zone: string;
  /** The next fire times (none while paused). */
  next: number[];
  /** The newest task it made (a fire or a trigger), from the index of its tasks. */
  lastRun?: { taskId: string; fireAt: number; state: State };
}
