// The dashboard's data: what the daemon told us, kept as a bounded local
// window. Built by the pure functions in reducer.ts; read by view.ts.
import { STATES, type State, type Task } from '../protocol/model.js';
import type { ShowResult } from '../protocol/methods.js';
import type { TopStatus, WorkerInfo } from './data.js';
import { emptyRate, type Rate } from './rate.js';
import type { LogView } from './log-lines.js';

/** Queued tasks kept locally, in run order. */
export const QUEUE_WINDOW = 200;
/** Finished tasks kept locally, latest first. */
export const FINISHED_WINDOW = 100;
/** Below this many loaded, with more on the daemon, the window is refilled. */
export const REFILL_AT = 50;
/** Memory samples kept for the sparkline. */
export const HISTORY = 60;
/** How long an action's message stays in the footer. */
export const NOTICE_MS = 6000;

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** Server-side narrowing from --type / --label: only these tasks are fetched and listed. */
export interface Scope {
  type?: string;
  label?: string;
}

export interface Notice {
  text: string;
  level: 'info' | 'error';
  at: number;
}

export interface Details {
  id: string;
  show?: ShowResult;
  error?: string;
}

export type Counts = Record<State, number>;

export interface DashboardState {
  connection: Connection;
  /** Why the last connection attempt failed, while reconnecting. */
  lastError?: string;
  /** When the next attempt happens, while reconnecting. */
  retryAt?: number;
  status?: TopStatus;
  /** All tasks in the store, by state. */
  counts: Counts;
  /** Claimed and running tasks, in start order. */
  running: Task[];
  /** Waiting tasks in the order they will run (a window of QUEUE_WINDOW). */
  queued: Task[];
  /** Latest finished first (a window of FINISHED_WINDOW). */
  finished: Task[];
  /** The daemon's reasons queued tasks wait (from the last snapshot), by id. */
  reasons: Record<string, string>;
  /** How many the daemon holds beyond the windows. */
  more: { queued: number; finished: number };
  /** Undefined until the daemon answers worker.ls (older daemons do not). */
  workers?: WorkerInfo[];
  /** Counts per type and state. */
  byType: Record<string, Counts>;
  /** False when byType was estimated from the loaded window (the daemon gave no per-type counts). */
  byTypeExact: boolean;
  /** Tasks finished per second. */
  rate: Rate;
  /** Daemon RSS samples, bytes. */
  memory: number[];
  now: number;
  notice?: Notice;
  log?: LogView;
  details?: Details;
  /** The window lost track (a removal we could not place, or it ran low): the feed refetches. */
  stale: boolean;
  scope: Scope;
}

export function zeroCounts(): Counts {
  return Object.fromEntries(STATES.map((s) => [s, 0])) as Counts;
}

export function initialState(now: number, scope: Scope = {}): DashboardState {
  return {
    connection: 'connecting',
    counts: zeroCounts(),
    running: [],
    queued: [],
    finished: [],
    reasons: {},
    more: { queued: 0, finished: 0 },
    byType: {},
    byTypeExact: false,
    rate: emptyRate(now),
    memory: [],
    now,
    stale: false,
    scope,
  };
}
