// Task records for pure tests: one representative task per state.
import type { State, Task } from '../../src/protocol/model.js';
import type { TaskDraft } from '../../src/daemon/store/store.js';

export const T0 = Date.UTC(2026, 4, 17, 12, 0, 0);

export function baseTask(patch: Partial<Task> = {}): Task {
  return {
    id: '1sc46g00',
    type: 'echo_task',
    priority: 0,
    env: {},
    tags: ['bash', 'unix'],
    executor: 'bash',
    command: "echo 'hello'",
    files: [],
    timeout: 10,
    retries: 0,
    retryBackoff: 10_000,
    maxConcurrent: 0,
    state: 'WAITING',
    attempt: 1,
    attempts: [],
    after: [],
    waitingOn: [],
    createdAt: T0,
    updatedAt: T0,
    resultDir: '/tmp/results/1sc46g00',
    ...patch,
  };
}

/** A task as it is in `state` after the usual path there. */
export function taskIn(state: State, patch: Partial<Task> = {}): Task {
  const claimed = { worker: 'w1', claimedAt: T0 + 1, attempts: [{ attempt: 1, worker: 'w1', claimedAt: T0 + 1 }] };
  const running = {
    ...claimed,
    startedAt: T0 + 2,
    pid: 4242,
    pgid: 4242,
    attempts: [{ attempt: 1, worker: 'w1', claimedAt: T0 + 1, startedAt: T0 + 2, pid: 4242 }],
  };
  const ended = (outcome: State, extra: Partial<Task> = {}): Partial<Task> => ({
    startedAt: T0 + 2,
    endedAt: T0 + 3,
    attempts: [{ attempt: 1, worker: 'w1', claimedAt: T0 + 1, startedAt: T0 + 2, pid: 4242, endedAt: T0 + 3, outcome: outcome as never }],
    ...extra,
  });
  const byState: Record<State, Partial<Task>> = {
    WAITING: {},
    CLAIMED: claimed,
    RUNNING: running,
    SUCCESS: ended('SUCCESS', { exitCode: 0, signal: null }),
    ERROR: ended('ERROR', { exitCode: 1, signal: null, reason: 'exited with code 1' }),
    TIMEDOUT: ended('TIMEDOUT', { exitCode: null, signal: 'SIGTERM', reason: 'timed out after 10s' }),
    STOPPED: ended('STOPPED', { exitCode: null, signal: 'SIGTERM', reason: 'stopped by user' }),
    LOST: ended('LOST', { exitCode: null, signal: null, reason: 'worker vanished' }),
    SKIPPED: { endedAt: T0 + 3, reason: 'dependency 1sc46f00 ended ERROR' },
  };
  return baseTask({ ...byState[state], state, updatedAt: T0 + 3, ...patch });
}

/** What a submit hands the store. */
export function draft(patch: Partial<TaskDraft> = {}): TaskDraft {
  return {
    type: 'echo_task',
    priority: 0,
    env: {},
    tags: ['bash', 'unix'],
    executor: 'bash',
    command: "echo 'hello'",
    files: [],
    timeout: 10,
    retries: 0,
    retryBackoff: 0,
    maxConcurrent: 0,
    after: [],
    ...patch,
  };
}

/** Freeze deeply, to prove a pure function does not mutate its input. */
export function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}
