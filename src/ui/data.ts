// What `top` needs from the daemon: the narrow interface its hooks use, so
// tests can give it a fake. The real client is adapted to this in
// client-adapter.ts; tests use test/ui/fake-client.ts.
import type { DaemonStatus, PsParams, PsSections, RunResult, ShowResult } from '../protocol/methods.js';
import type { State, Task, WorkerInfo } from '../protocol/model.js';

export type { WorkerInfo, WorkerState } from '../protocol/model.js';

/** What top reads of daemon.status (a DaemonStatus fits): memory, cpu and, if the daemon offers them, counts per type. */
export interface TopStatus extends Pick<DaemonStatus, 'pid' | 'version' | 'startedAt' | 'counts'> {
  /** Resident set size, bytes. */
  rss?: number;
  /** CPU time used, ms. */
  cpu?: number;
  /** Counts per task type and state over the whole store, when the daemon offers them. */
  byType?: Record<string, Partial<Record<State, number>>>;
}

/** Output of a followed task. 'output' is the combined stream of a type that merges stdout and stderr. */
export interface LogEvent {
  kind: 'log';
  id: string;
  stream: 'stdout' | 'stderr' | 'output';
  data: string;
}

export type TopEvent =
  | { kind: 'task'; task: Task; from: State | null }
  | { kind: 'task.removed'; id: string }
  | { kind: 'daemon'; message: string }
  | { kind: 'worker'; worker: WorkerInfo }
  | LogEvent
  /** A followed log has ended with its task. */
  | { kind: 'log.end'; id: string; state: State };

export interface TopSubscribeFilter {
  ids?: string[];
  types?: string[];
  kinds?: Array<'task' | 'worker' | 'log' | 'daemon'>;
}

/** ps, with the daemon's own reasons a queued task waits (no matching worker, max_concurrent), by id. */
export interface TopPs extends PsSections {
  reasons?: Record<string, string>;
}

/** Every RPC method top calls: params and result. */
export interface TopMethods {
  ps: { params: PsParams; result: TopPs };
  show: { params: { id: string }; result: ShowResult };
  'daemon.status': { params: Record<string, never>; result: TopStatus };
  'worker.ls': { params: Record<string, never>; result: { workers: WorkerInfo[] } };
  'worker.pause': { params: { id: string }; result: WorkerInfo };
  'worker.resume': { params: { id: string }; result: WorkerInfo };
  /** `stopping`: running tasks now being stopped; `cancelled`: queued ones. */
  kill: { params: { ids: string[]; signal?: string }; result: { stopping: string[]; cancelled: string[] } };
  rerun: { params: { id: string; env?: Record<string, string> }; result: RunResult };
}

/** What following a task's output starts with. */
export interface LogFollow {
  /** The last lines, as the daemon read them when the follow began. */
  text: string;
  /** The task had already ended: no events will come. */
  done: boolean;
  /** End the follow. */
  stop(): Promise<void>;
}
export type TopMethod = keyof TopMethods;

/** The narrow client the dashboard's hooks use. */
export interface TopClient {
  call<M extends TopMethod>(method: M, params: TopMethods[M]['params']): Promise<TopMethods[M]['result']>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribe(filter: TopSubscribeFilter, listener: (event: TopEvent) => void): Promise<() => Promise<void>>;
  /**
   * The last `lines` of a task's output, then each new chunk as a `log` event and a
   * `log.end` when the task ends (the daemon's logs.follow: the tail and the follow
   * start at the same byte, so nothing is lost or repeated).
   */
  followLog(params: { id: string; lines: number }, listener: (event: TopEvent) => void): Promise<LogFollow>;
  onClose(listener: (err?: Error) => void): void;
  close(): void;
}

/**
 * How the dashboard gets a client. `attempt` is 0 for the first connection and
 * counts up while reconnecting (a reconnect should not start a daemon the user stopped).
 */
export type Connector = (attempt: number) => Promise<TopClient>;

/** Time, injected so tests drive it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
