// What is on screen, derived from the data and the person's choices: the
// filtered lists, the selection, wait reasons and slot use.
import type { Task } from '../protocol/model.js';
import type { WorkerInfo } from './data.js';
import { matchesFilter } from './filter.js';
import type { DashboardState } from './state.js';
import { resolveIndex, type UiState } from './ui-state.js';
import { runningByType, whyWaiting } from './wait.js';

export interface View {
  running: Task[];
  queued: Task[];
  finished: Task[];
  /** Every listed task in screen order: running, queued, finished. */
  taskIds: string[];
  /** Index into taskIds, -1 when nothing is listed. */
  taskIndex: number;
  selectedTask?: Task;
  workers: WorkerInfo[];
  workerIndex: number;
  selectedWorker?: WorkerInfo;
  workerNames: Map<string, string>;
  /** Why each queued task waits, by id. */
  waits: Map<string, string>;
  slots: { used: number; total?: number };
  /** Slots in use per worker id. */
  busy: Map<string, number>;
}

/**
 * Slots in use per worker, from the running tasks: task events are live, while a
 * worker's own `running` list is only as new as its last event. With a --type or
 * --label scope not every running task is loaded, so the worker's list is used.
 */
export function busyByWorker(state: DashboardState): Map<string, number> {
  const busy = new Map<string, number>();
  const scoped = state.scope.type !== undefined || state.scope.label !== undefined;
  if (scoped) for (const w of state.workers ?? []) busy.set(w.id, w.running.length);
  else for (const t of state.running) if (t.worker !== undefined) busy.set(t.worker, (busy.get(t.worker) ?? 0) + 1);
  return busy;
}

export function buildView(state: DashboardState, ui: UiState): View {
  const keep = (t: Task) => matchesFilter(t, ui.filter);
  const running = ui.filter ? state.running.filter(keep) : state.running;
  const queued = ui.filter ? state.queued.filter(keep) : state.queued;
  const finished = ui.filter ? state.finished.filter(keep) : state.finished;
  const tasks = [...running, ...queued, ...finished];
  const taskIds = tasks.map((t) => t.id);
  const taskIndex = resolveIndex(ui.task, taskIds);
  const workers = state.workers ?? [];
  const workerIndex = resolveIndex(
    ui.worker,
    workers.map((w) => w.id),
  );
  const busy = busyByWorker(state);
  const ctx = { now: state.now, runningByType: runningByType(state.running), daemon: state.reasons, busy, ...(state.workers ? { workers: state.workers } : {}) };
  const waits = new Map(queued.map((t) => [t.id, whyWaiting(t, ctx)]));
  const live = workers.filter((w) => w.state === 'running' || w.state === 'paused' || w.state === 'stopping');
  const view: View = {
    running,
    queued,
    finished,
    taskIds,
    taskIndex,
    workers,
    workerIndex,
    workerNames: new Map(workers.map((w) => [w.id, w.name])),
    waits,
    busy,
    slots: state.workers ? { used: live.reduce((n, w) => n + (busy.get(w.id) ?? 0), 0), total: live.reduce((n, w) => n + w.slots, 0) } : { used: state.running.length },
  };
  if (taskIndex >= 0) view.selectedTask = tasks[taskIndex]!;
  if (workerIndex >= 0) view.selectedWorker = workers[workerIndex]!;
  return view;
}
