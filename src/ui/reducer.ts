// Pure updates of the dashboard's data: a snapshot from ps / worker.ls /
// daemon.status, then one event at a time. No I/O, no clock: `now` is passed in.
import { isTerminal, type State, type Task } from '../protocol/model.js';
import type { TopEvent, TopPs, TopStatus, WorkerInfo } from './data.js';
import { compareFinished, compareQueued, compareRunning, insertionIndex } from './order.js';
import { count, roll } from './rate.js';
import { FINISHED_WINDOW, HISTORY, NOTICE_MS, QUEUE_WINDOW, REFILL_AT, zeroCounts, type Counts, type DashboardState, type Scope } from './state.js';

export interface Snapshot {
  ps: TopPs;
  /** Undefined when the daemon does not answer worker.ls. */
  workers?: WorkerInfo[];
  status?: TopStatus;
}

type ListName = 'running' | 'queued' | 'finished';

export function inScope(t: Task, scope: Scope): boolean {
  return (scope.type === undefined || t.type === scope.type) && (scope.label === undefined || t.label === scope.label);
}

function listFor(s: State): ListName {
  if (s === 'WAITING') return 'queued';
  if (s === 'CLAIMED' || s === 'RUNNING') return 'running';
  return 'finished';
}

function find(state: DashboardState, id: string): { list: ListName; index: number; task: Task } | undefined {
  for (const list of ['running', 'queued', 'finished'] as const) {
    const index = state[list].findIndex((t) => t.id === id);
    if (index >= 0) return { list, index, task: state[list][index]! };
  }
  return undefined;
}

function bump(counts: Counts, s: State | null | undefined, by: number): Counts {
  if (s === null || s === undefined) return counts;
  return { ...counts, [s]: Math.max(0, counts[s] + by) };
}

function bumpType(byType: Record<string, Counts>, type: string, s: State | null | undefined, by: number): Record<string, Counts> {
  if (s === null || s === undefined) return byType;
  return { ...byType, [type]: bump(byType[type] ?? zeroCounts(), s, by) };
}

function estimateByType(tasks: Task[]): Record<string, Counts> {
  let byType: Record<string, Counts> = {};
  for (const t of tasks) byType = bumpType(byType, t.type, t.state, 1);
  return byType;
}

function exactByType(given: NonNullable<TopStatus['byType']>): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const [type, counts] of Object.entries(given)) out[type] = { ...zeroCounts(), ...counts };
  return out;
}

function withStale(state: DashboardState): DashboardState {
  const low = (state.queued.length < REFILL_AT && state.more.queued > 0) || (state.finished.length < REFILL_AT / 2 && state.more.finished > 0);
  return low && !state.stale ? { ...state, stale: true } : state;
}

function pushSample(samples: number[], v: number | undefined): number[] {
  return v === undefined ? samples : samples.concat(v).slice(-HISTORY);
}

/** A fresh snapshot replaces the windows; history (rate, memory), the log and details stay. */
export function loaded(state: DashboardState, snap: Snapshot, now: number): DashboardState {
  const { ps } = snap;
  const queued = ps.queued.slice(0, QUEUE_WINDOW);
  const finished = ps.finished.slice(0, FINISHED_WINDOW);
  const running = ps.running.slice().sort(compareRunning);
  const next: DashboardState = {
    ...state,
    connection: 'live',
    counts: { ...zeroCounts(), ...ps.counts },
    running,
    queued,
    finished,
    reasons: ps.reasons ?? {},
    more: { queued: ps.more.queued + ps.queued.length - queued.length, finished: ps.more.finished + ps.finished.length - finished.length },
    byType: snap.status?.byType ? exactByType(snap.status.byType) : estimateByType([...running, ...queued, ...finished]),
    byTypeExact: snap.status?.byType !== undefined,
    rate: roll(state.rate, now),
    now,
    stale: false,
  };
  delete next.lastError;
  delete next.retryAt;
  if (snap.workers) next.workers = sortWorkers(snap.workers);
  if (snap.status) {
    next.status = snap.status;
    next.memory = pushSample(state.memory, snap.status.rss);
  }
  return next;
}

export function statusLoaded(state: DashboardState, status: TopStatus): DashboardState {
  return { ...state, status, memory: pushSample(state.memory, status.rss) };
}

function sortWorkers(ws: WorkerInfo[]): WorkerInfo[] {
  return ws.slice().sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** A fresh worker list (worker.ls), replacing the one held. */
export function workersLoaded(state: DashboardState, workers: WorkerInfo[]): DashboardState {
  return { ...state, workers: sortWorkers(workers) };
}

export function workerChanged(state: DashboardState, worker: WorkerInfo): DashboardState {
  const others = (state.workers ?? []).filter((w) => w.id !== worker.id);
  return { ...state, workers: sortWorkers([...others, worker]) };
}

/**
 * Apply one event. `replay` is for events that arrived while a snapshot was
 * loading: one the snapshot already reflects is dropped.
 */
export function applyEvent(state: DashboardState, event: TopEvent, now: number, opts: { replay?: boolean } = {}): DashboardState {
  switch (event.kind) {
    case 'task':
      return taskChanged(state, event.task, event.from, now, opts.replay === true);
    case 'task.removed':
      return taskRemoved(state, event.id);
    case 'worker':
      return workerChanged(state, event.worker);
    case 'daemon':
      return { ...state, notice: { text: event.message, level: 'info', at: now } };
    case 'log':
    case 'log.end':
      // Logs are followed by the feed, which owns the log subscription.
      return state;
  }
}

function taskChanged(state: DashboardState, t: Task, from: State | null, now: number, replay: boolean): DashboardState {
  const known = find(state, t.id);
  if (known && known.task.updatedAt > t.updatedAt) return state;
  if (replay && known && known.task.updatedAt === t.updatedAt && known.task.state === t.state) return state;
  const next: DashboardState = {
    ...state,
    counts: bump(bump(state.counts, from, -1), t.state, 1),
    byType: bumpType(bumpType(state.byType, t.type, from, -1), t.type, t.state, 1),
    more: { ...state.more },
    rate: isTerminal(t.state) && (from === null || !isTerminal(from)) ? count(state.rate, now) : state.rate,
  };
  if (known) next[known.list] = state[known.list].filter((x) => x.id !== t.id);
  else if (from === 'WAITING' && inScope(t, state.scope)) next.more.queued = Math.max(0, next.more.queued - 1);
  if (inScope(t, state.scope)) place(next, t);
  if (state.details?.show?.task.id === t.id) next.details = { ...state.details, show: { ...state.details.show, task: t } };
  return withStale(next);
}

/** Put a task into its list, keeping the windows' order and bounds. Mutates the fresh `next`. */
function place(next: DashboardState, t: Task): void {
  const list = listFor(t.state);
  if (list === 'running') {
    const running = next.running.slice();
    running.splice(insertionIndex(running, t, compareRunning), 0, t);
    next.running = running;
  } else if (list === 'queued') {
    const i = insertionIndex(next.queued, t, compareQueued);
    // Past the end of a partial window its place is unknown: it is one of the "more".
    if (i === next.queued.length && next.more.queued > 0) next.more.queued++;
    else {
      const queued = next.queued.slice();
      queued.splice(i, 0, t);
      if (queued.length > QUEUE_WINDOW) {
        queued.pop();
        next.more.queued++;
      }
      next.queued = queued;
    }
  } else {
    const finished = next.finished.slice();
    finished.splice(insertionIndex(finished, t, compareFinished), 0, t);
    if (finished.length > FINISHED_WINDOW) {
      finished.pop();
      next.more.finished++;
    }
    next.finished = finished;
  }
}

function taskRemoved(state: DashboardState, id: string): DashboardState {
  const known = find(state, id);
  // Not in the window: the counts can no longer be placed, so ask for a fresh snapshot.
  if (!known) return state.stale ? state : { ...state, stale: true };
  return withStale({
    ...state,
    [known.list]: state[known.list].filter((x) => x.id !== id),
    counts: bump(state.counts, known.task.state, -1),
    byType: bumpType(state.byType, known.task.type, known.task.state, -1),
  });
}

/** The clock moved: roll the rate buckets and let old notices go. */
export function tick(state: DashboardState, now: number): DashboardState {
  const next = { ...state, now, rate: roll(state.rate, now) };
  if (next.notice && now - next.notice.at >= NOTICE_MS) delete next.notice;
  return next;
}
