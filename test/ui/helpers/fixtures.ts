// Tasks, workers and snapshots for UI tests.
import { STATES, type State, type Task } from '../../../src/protocol/model.js';
import type { PsSections } from '../../../src/protocol/methods.js';
import type { WorkerInfo } from '../../../src/ui/data.js';

export const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

let n = 0;
/** A task id in the shape the daemon makes (8 base32 characters), increasing. */
export function nextId(): string {
  n++;
  return `0m${n.toString(32).padStart(6, '0')}`;
}

export function task(over: Partial<Task> = {}): Task {
  const id = over.id ?? nextId();
  return {
    id,
    type: 'echo',
    priority: 0,
    env: {},
    tags: [],
    executor: 'bash',
    command: 'echo hi',
    files: [],
    timeout: 3600,
    retries: 0,
    retryBackoff: 0,
    maxConcurrent: 0,
    state: 'WAITING',
    attempt: 1,
    attempts: [],
    after: [],
    waitingOn: [],
    createdAt: T0 - 60_000,
    updatedAt: T0 - 60_000,
    resultDir: `/tmp/results/${id}`,
    ...over,
  };
}

export function running(over: Partial<Task> = {}): Task {
  return task({ state: 'RUNNING', worker: 'local', claimedAt: T0 - 30_000, startedAt: T0 - 30_000, pid: 4242, updatedAt: T0 - 30_000, ...over });
}

export function finished(state: State, over: Partial<Task> = {}): Task {
  return task({ state, startedAt: T0 - 20_000, endedAt: T0 - 5_000, exitCode: state === 'SUCCESS' ? 0 : 1, updatedAt: T0 - 5_000, ...over });
}

export function worker(over: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id: 'w1',
    name: 'local',
    tags: ['linux', 'bash'],
    slots: 4,
    state: 'running',
    pid: 900,
    host: 'localhost',
    local: true,
    running: [],
    startedAt: T0 - 3_600_000,
    heartbeatAt: T0 - 2_000,
    restarts: 0,
    ...over,
  };
}

export function counts(tasks: Task[]): Record<State, number> {
  const c = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
  for (const t of tasks) c[t.state]++;
  return c;
}

export function ps(tasks: Task[], more = { queued: 0, finished: 0 }): PsSections {
  return {
    running: tasks.filter((t) => t.state === 'RUNNING' || t.state === 'CLAIMED'),
    queued: tasks.filter((t) => t.state === 'WAITING'),
    finished: tasks.filter((t) => !['RUNNING', 'CLAIMED', 'WAITING'].includes(t.state)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0)),
    counts: counts(tasks),
    more,
  };
}
