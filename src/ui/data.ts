// What `top` needs from the daemon, typed here until the lead's protocol
// carries the worker, kill, rerun and logs methods. The real client is
// adapted to this in client-adapter.ts; tests use test/ui/fake-client.ts.
import type { DaemonStatus, PsParams, PsSections, RunResult, ShowResult } from '../protocol/methods.js';
import type { State, Task } from '../protocol/model.js';

export type WorkerState = 'running' | 'paused' | 'stopping' | 'stopped' | 'lost';

export interface WorkerInfo {
  id: string;
  name: string;
  tags: string[];
  slots: number;
  state: WorkerState;
  pid?: number;
  local: boolean;
  /** Ids of the tasks it is running. */
  running: string[];
  startedAt: number;
  heartbeatAt: number;
  restarts: number;
}

/** daemon.status, with what the lead is adding: memory, cpu, and (optionally) counts per type. */
export interface TopStatus extends DaemonStatus {
  /** Resident set size, bytes. */
  rss?: number;
  /** CPU time used, ms. */
  cpu?: number;
  /** Counts per task type and state over the whole store, when the daemon offers them. */
  byType?: Record<string, Partial<Record<State, number>>>;
}

export interface LogEvent {
  kind: 'log';
  id: string;
  stream: 'stdout' | 'stderr';
  data: string;
  /** Byte offset of `data` in its file, when the daemon sends it: lets a follower drop what the tail already had. */
  offset?: number;
}

export type TopEvent =
  | { kind: 'task'; task: Task; from: State | null }
  | { kind: 'task.removed'; id: string }
  | { kind: 'daemon'; message: string }
  | { kind: 'worker'; worker: WorkerInfo }
  | LogEvent;

export interface TopSubscribeFilter {
  ids?: string[];
  types?: string[];
  kinds?: Array<'task' | 'worker' | 'log' | 'daemon'>;
}

/** Every RPC method top calls: params and result. */
export interface TopMethods {
  ps: { params: PsParams; result: PsSections };
  show: { params: { id: string }; result: ShowResult };
  'daemon.status': { params: Record<string, never>; result: TopStatus };
  'worker.ls': { params: Record<string, never>; result: { workers: WorkerInfo[] } };
  'worker.pause': { params: { id: string }; result: WorkerInfo };
  'worker.resume': { params: { id: string }; result: WorkerInfo };
  kill: { params: { ids: string[]; signal?: string }; result: { killed: string[]; cancelled: string[] } };
  rerun: { params: { id: string; env?: Record<string, string> }; result: RunResult };
  logs: { params: { id: string; stream?: 'stdout' | 'stderr'; lines?: number }; result: { text: string; path: string; size: number } };
}
export type TopMethod = keyof TopMethods;

/** The narrow client the dashboard's hooks use. */
export interface TopClient {
  call<M extends TopMethod>(method: M, params: TopMethods[M]['params']): Promise<TopMethods[M]['result']>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribe(filter: TopSubscribeFilter, listener: (event: TopEvent) => void): Promise<() => Promise<void>>;
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
