import t, { type Test } from 'tap';
import { transition, waitReason, type TaskEvent } from '../../../src/core/states.js';
import { STATES, type State, type Task } from '../../../src/protocol/model.js';
import { deepFreeze, T0, taskIn } from '../../helpers/tasks.js';

const AT = T0 + 100;
const env = { random: 0.5 }; // jitter factor exactly 1.0

type EventType = TaskEvent['type'];
const EVENTS: Record<EventType, TaskEvent> = {
  claim: { type: 'claim', worker: 'w2', at: AT },
  start: { type: 'start', pid: 777, pgid: 777, at: AT },
  unclaim: { type: 'unclaim', at: AT, reason: 'worker stopping' },
  exit: { type: 'exit', at: AT, exitCode: 0, signal: null, cause: 'exit' },
  kill: { type: 'kill', at: AT },
  lost: { type: 'lost', at: AT, reason: 'worker vanished' },
  dependency: { type: 'dependency', at: AT, dep: 'dep00001', depState: 'SUCCESS' },
  due: { type: 'due', at: AT },
  progress: { type: 'progress', at: AT, percent: 40, message: 'copying' },
};

/**
 * The whole table. For each event and state: 'refused', 'unchanged' (accepted, nothing
 * changes), or the state it leads to plus a check of the fields that must follow.
 */
type Check = (next: Task, prev: Task) => void;
type Expect = 'refused' | 'unchanged' | { to: State; check?: Check };
const to = (s: State, check?: Check): Expect => ({ to: s, ...(check ? { check } : {}) });
const TERMINAL = ['SUCCESS', 'ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED'] as const;
const refusedIn = (...states: State[]) => Object.fromEntries(states.map((s) => [s, 'refused' as Expect]));

const table = (t: Test): Record<EventType, Record<State, Expect>> => ({
  claim: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    WAITING: to('CLAIMED', (n) => {
      t.equal(n.worker, 'w2');
      t.equal(n.claimedAt, AT);
      t.same(n.attempts, [{ attempt: 1, worker: 'w2', claimedAt: AT }]);
    }),
  },
  start: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    CLAIMED: to('RUNNING', (n) => {
      t.equal(n.startedAt, AT);
      t.equal(n.pid, 777);
      t.equal(n.pgid, 777);
      t.match(n.attempts.at(-1), { attempt: 1, worker: 'w1', startedAt: AT, pid: 777 });
      t.equal(n.attempts.length, 1);
    }),
  },
  unclaim: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    CLAIMED: to('WAITING', (n) => {
      t.equal(n.worker, undefined);
      t.equal(n.claimedAt, undefined);
      t.equal(n.reason, 'worker stopping');
      t.same(n.attempts, [], 'the attempt that never started is dropped');
      t.equal(n.attempt, 1);
    }),
  },
  exit: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    // A process that could not be started at all: an exit straight from CLAIMED, never a success.
    CLAIMED: to('ERROR', (n) => {
      t.equal(n.endedAt, AT);
      t.equal(n.worker, undefined);
      t.match(n.attempts.at(-1), { attempt: 1, outcome: 'ERROR' });
    }),
    RUNNING: to('SUCCESS', (n) => {
      t.equal(n.exitCode, 0);
      t.equal(n.endedAt, AT);
      t.equal(n.reason, undefined);
      t.equal(n.worker, undefined, 'a finished task holds no worker');
      t.equal(n.pid, undefined);
      t.match(n.attempts.at(-1), { attempt: 1, outcome: 'SUCCESS', endedAt: AT, exitCode: 0 });
    }),
  },
  kill: {
    ...(refusedIn(...TERMINAL) as Record<State, Expect>),
    WAITING: to('STOPPED', (n) => {
      t.equal(n.endedAt, AT);
      t.equal(n.reason, 'cancelled by user');
    }),
    CLAIMED: to('CLAIMED', (n) => t.equal(n.stopRequested, true)),
    RUNNING: to('RUNNING', (n) => t.equal(n.stopRequested, true)),
  },
  lost: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    CLAIMED: to('WAITING', (n) => {
      t.equal(n.reason, 'worker vanished');
      t.same(n.attempts, []);
      t.equal(n.attempt, 1, 'a claim that never started is not an attempt');
    }),
    RUNNING: to('LOST', (n) => {
      t.equal(n.reason, 'worker vanished');
      t.equal(n.exitCode, null);
      t.match(n.attempts.at(-1), { outcome: 'LOST', endedAt: AT });
    }),
  },
  // A dependency event for a task that does not wait on that dependency changes nothing.
  dependency: {
    ...(Object.fromEntries(STATES.map((s) => [s, 'unchanged'])) as Record<State, Expect>),
  },
  due: { ...(refusedIn(...STATES) as Record<State, Expect>) },
  progress: {
    ...(refusedIn(...STATES) as Record<State, Expect>),
    RUNNING: to('RUNNING', (n) => t.same(n.progress, { percent: 40, message: 'copying', at: AT })),
  },
});

t.test('every (state, event) pair', async (t) => {
  const TABLE = table(t);
  for (const type of Object.keys(EVENTS) as EventType[]) {
    for (const state of STATES) {
      const prev = deepFreeze(taskIn(state));
      const event = EVENTS[type];
      const want = TABLE[type][state];
      const res = transition(prev, event, env);
      const name = `${type} in ${state}`;
      if (want === 'refused') {
        t.equal(res.ok, false, `${name} is refused`);
        if (!res.ok) t.equal(res.error, `cannot ${type} task ${prev.id}: it is ${state}`);
        continue;
      }
      t.equal(res.ok, true, `${name} is accepted`);
      if (!res.ok) continue;
      if (want === 'unchanged') {
        t.same(res.task, prev, `${name} changes nothing`);
        continue;
      }
      t.equal(res.task.state, want.to, `${name} → ${want.to}`);
      t.equal(res.task.updatedAt, AT, `${name} stamps updatedAt`);
      for (const [k, v] of Object.entries(res.task)) t.not(v, undefined, `${name}: no key ${k} left holding undefined`);
      want.check?.(res.task, prev);
    }
  }
});

t.test('claim needs a runnable task', async (t) => {
  const cases: Array<[string, Partial<Task>]> = [
    ['waits for a dependency', { waitingOn: ['dep00001'] }],
    ['has a not-before time', { notBefore: AT + 1000 }],
    ['has a not-before time already past (needs the due event first)', { notBefore: AT - 1000 }],
  ];
  for (const [name, patch] of cases) {
    const res = transition(taskIn('WAITING', patch), EVENTS.claim, env);
    t.equal(res.ok, false, name);
  }
});

t.test('exit outcomes', async (t) => {
  const running = taskIn('RUNNING');
  const cases: Array<[string, Partial<Extract<TaskEvent, { type: 'exit' }>>, Partial<Task>, State, string | undefined]> = [
    ['exit 0', { exitCode: 0 }, {}, 'SUCCESS', undefined],
    ['exit 3', { exitCode: 3 }, {}, 'ERROR', 'exited with code 3'],
    ['killed by a signal on its own', { exitCode: null, signal: 'SIGSEGV' }, {}, 'ERROR', 'killed by SIGSEGV'],
    ['timeout', { exitCode: null, signal: 'SIGTERM', cause: 'timeout' }, {}, 'TIMEDOUT', 'timed out after 10s'],
    ['user kill', { exitCode: null, signal: 'SIGTERM', cause: 'killed' }, {}, 'STOPPED', 'stopped by user'],
    ['exit 0 after a stop was requested', { exitCode: 0 }, { stopRequested: true }, 'STOPPED', 'stopped by user'],
    ['an explicit reason wins', { exitCode: 2, reason: 'oom' }, {}, 'ERROR', 'oom'],
  ];
  for (const [name, ev, patch, state, reason] of cases) {
    const res = transition({ ...running, ...patch }, { type: 'exit', at: AT, exitCode: 0, signal: null, cause: 'exit', ...ev }, env);
    t.ok(res.ok, name);
    if (!res.ok) continue;
    t.equal(res.task.state, state, `${name}: ${state}`);
    t.equal(res.task.reason, reason, `${name}: reason`);
    t.equal(res.task.attempts.at(-1)?.outcome, state, `${name}: the attempt keeps its outcome`);
  }
});

t.test('retries: back to WAITING with attempt+1 and a backoff not-before', async (t) => {
  const running = taskIn('RUNNING', { retries: 2, retryBackoff: 10_000 });
  const outcomes: Array<[string, TaskEvent, State]> = [
    ['ERROR', { type: 'exit', at: AT, exitCode: 1, signal: null, cause: 'exit' }, 'ERROR'],
    ['TIMEDOUT', { type: 'exit', at: AT, exitCode: null, signal: 'SIGKILL', cause: 'timeout' }, 'TIMEDOUT'],
    ['LOST', { type: 'lost', at: AT, reason: 'worker vanished' }, 'LOST'],
  ];
  for (const [name, ev, outcome] of outcomes) {
    const res = transition(running, ev, env);
    t.ok(res.ok);
    if (!res.ok) continue;
    const n = res.task;
    t.equal(n.state, 'WAITING', `${name} with retries left → WAITING`);
    t.equal(n.attempt, 2);
    t.equal(n.notBefore, AT + 10_000, `${name}: the first retry waits the base backoff`);
    t.match(n.reason, new RegExp(`^attempt 1 ended ${outcome}.*retry 1 of 2$`));
    t.equal(n.worker, undefined);
    t.equal(n.pid, undefined);
    t.equal(n.startedAt, undefined);
    t.equal(n.endedAt, undefined, 'not ended: it will run again');
    t.equal(n.attempts.length, 1);
    t.match(n.attempts[0], { attempt: 1, outcome, endedAt: AT });
  }
  // Not retried: success, a user's stop, or no retries left.
  const success = transition(running, { type: 'exit', at: AT, exitCode: 0, signal: null, cause: 'exit' }, env);
  t.equal(success.ok && success.task.state, 'SUCCESS');
  const stopped = transition(running, { type: 'exit', at: AT, exitCode: null, signal: 'SIGTERM', cause: 'killed' }, env);
  t.equal(stopped.ok && stopped.task.state, 'STOPPED');
  const lastTry = transition({ ...running, attempt: 3 }, { type: 'exit', at: AT, exitCode: 1, signal: null, cause: 'exit' }, env);
  t.equal(lastTry.ok && lastTry.task.state, 'ERROR', 'attempt 3 of 1+2 is the last');
  const noBackoff = transition({ ...running, retryBackoff: 0 }, { type: 'exit', at: AT, exitCode: 1, signal: null, cause: 'exit' }, env);
  t.ok(noBackoff.ok && noBackoff.task.state === 'WAITING' && noBackoff.task.notBefore === undefined, 'no backoff: runnable at once');
});

t.test('a whole retried life: every attempt stays visible', async (t) => {
  const e = { random: 0.5 };
  let task = deepFreeze(taskIn('WAITING', { retries: 1, retryBackoff: 2000 }));
  const step = (ev: TaskEvent): Task => {
    const r = transition(task, ev, e);
    if (!r.ok) throw new Error(r.error);
    task = deepFreeze(r.task);
    return task;
  };
  step({ type: 'claim', worker: 'w1', at: T0 + 10 });
  step({ type: 'start', pid: 10, pgid: 10, at: T0 + 11 });
  step({ type: 'progress', at: T0 + 12, percent: 50, message: 'half' });
  step({ type: 'exit', at: T0 + 20, exitCode: 1, signal: null, cause: 'exit' });
  t.equal(task.state, 'WAITING');
  t.equal(task.progress, undefined, 'progress belongs to the attempt that ended');
  t.equal(task.notBefore, T0 + 20 + 2000);
  t.equal(waitReason(task, T0 + 20), 'starts in 2s');
  t.equal(transition(task, { type: 'claim', worker: 'w1', at: T0 + 21 }, e).ok, false, 'not claimable before it is due');
  step({ type: 'due', at: T0 + 2020 });
  t.equal(task.notBefore, undefined);
  step({ type: 'claim', worker: 'w2', at: T0 + 2030 });
  step({ type: 'start', pid: 11, pgid: 11, at: T0 + 2031 });
  step({ type: 'exit', at: T0 + 2040, exitCode: 0, signal: null, cause: 'exit' });
  t.equal(task.state, 'SUCCESS');
  t.equal(task.attempt, 2);
  t.same(
    task.attempts.map((a) => [a.attempt, a.worker, a.outcome, a.pid]),
    [
      [1, 'w1', 'ERROR', 10],
      [2, 'w2', 'SUCCESS', 11],
    ],
  );
});

t.test('kill of WAITING, CLAIMED and RUNNING', async (t) => {
  const waiting = transition(taskIn('WAITING', { notBefore: AT + 5000, reason: 'x' }), { type: 'kill', at: AT, reason: 'no longer needed' }, env);
  t.ok(waiting.ok && waiting.task.state === 'STOPPED' && waiting.task.notBefore === undefined && waiting.task.reason === 'no longer needed');

  // CLAIMED: marked; when the claim is given back it ends STOPPED instead of queueing again.
  const claimed = transition(taskIn('CLAIMED'), { type: 'kill', at: AT }, env);
  t.ok(claimed.ok && claimed.task.stopRequested);
  if (claimed.ok) {
    const back = transition(claimed.task, { type: 'unclaim', at: AT + 1, reason: 'worker stopping' }, env);
    t.ok(back.ok && back.task.state === 'STOPPED' && back.task.endedAt === AT + 1);
    const lost = transition(claimed.task, { type: 'lost', at: AT + 1, reason: 'gone' }, env);
    t.ok(lost.ok && lost.task.state === 'STOPPED', 'a killed claim that is lost ends STOPPED');
    const started = transition(claimed.task, { type: 'start', pid: 1, pgid: 1, at: AT + 1 }, env);
    t.ok(started.ok && started.task.state === 'RUNNING' && started.task.stopRequested, 'if it started anyway, the stop request stays');
  }

  // RUNNING: marked; whatever way the process ends, the task is STOPPED and not retried.
  const running = transition(taskIn('RUNNING', { retries: 3 }), { type: 'kill', at: AT }, env);
  t.ok(running.ok && running.task.stopRequested);
  if (running.ok) {
    for (const ev of [
      { type: 'exit', at: AT + 1, exitCode: 143, signal: null, cause: 'exit' },
      { type: 'exit', at: AT + 1, exitCode: null, signal: 'SIGKILL', cause: 'timeout' },
      { type: 'lost', at: AT + 1, reason: 'gone' },
    ] as TaskEvent[]) {
      const r = transition(running.task, ev, env);
      t.ok(r.ok && r.task.state === 'STOPPED' && r.task.attempt === 1, `${ev.type} after kill → STOPPED, no retry`);
    }
  }
});

t.test('dependencies: met and failed', async (t) => {
  const waiting = deepFreeze(taskIn('WAITING', { after: ['a0000001', 'a0000002'], waitingOn: ['a0000001', 'a0000002'] }));
  const met = transition(waiting, { type: 'dependency', at: AT, dep: 'a0000001', depState: 'SUCCESS' }, env);
  t.ok(met.ok);
  if (met.ok) {
    t.equal(met.task.state, 'WAITING');
    t.same(met.task.waitingOn, ['a0000002']);
    t.equal(waitReason(met.task, AT), 'waits for a0000002');
    const both = transition(met.task, { type: 'dependency', at: AT, dep: 'a0000002', depState: 'SUCCESS' }, env);
    t.ok(both.ok && both.task.waitingOn.length === 0 && both.task.state === 'WAITING');
    if (both.ok) t.equal(transition(both.task, EVENTS.claim, env).ok, true, 'claimable once every dependency is met');
  }
  for (const depState of ['ERROR', 'TIMEDOUT', 'STOPPED', 'LOST', 'SKIPPED'] as const) {
    const failed = transition(waiting, { type: 'dependency', at: AT, dep: 'a0000002', depState }, env);
    t.ok(failed.ok);
    if (!failed.ok) continue;
    t.equal(failed.task.state, 'SKIPPED', `dependency ${depState} → SKIPPED`);
    t.equal(failed.task.reason, `dependency a0000002 ended ${depState}`);
    t.equal(failed.task.endedAt, AT);
  }
  const other = transition(waiting, { type: 'dependency', at: AT, dep: 'zzzzzzzz', depState: 'ERROR' }, env);
  t.same(other.ok && other.task, waiting, 'a dependency it does not wait on changes nothing');
});

t.test('due', async (t) => {
  const res = transition(taskIn('WAITING', { notBefore: AT }), { type: 'due', at: AT }, env);
  t.ok(res.ok && res.task.notBefore === undefined && !('notBefore' in res.task));
  t.equal(transition(taskIn('WAITING'), { type: 'due', at: AT }, env).ok, false, 'nothing to be due for');
});

t.test('lost of a never-started claim returns to WAITING; of a started one ends LOST', async (t) => {
  const never = transition(taskIn('CLAIMED', { retries: 0 }), { type: 'lost', at: AT, reason: 'worker w1 vanished' }, env);
  t.ok(never.ok && never.task.state === 'WAITING' && never.task.attempt === 1 && never.task.worker === undefined);
  const started = transition(taskIn('RUNNING', { retries: 0 }), { type: 'lost', at: AT, reason: 'worker w1 vanished' }, env);
  t.ok(started.ok && started.task.state === 'LOST' && started.task.reason === 'worker w1 vanished');
});

t.test('waitReason', async (t) => {
  const cases: Array<[Task, string | undefined]> = [
    [taskIn('WAITING'), undefined],
    [taskIn('WAITING', { waitingOn: ['a', 'b'] }), 'waits for a, b'],
    [taskIn('WAITING', { notBefore: AT + 1500 }), 'starts in 2s'],
    [taskIn('WAITING', { notBefore: AT - 1 }), 'due'],
    [taskIn('RUNNING'), undefined],
  ];
  for (const [task, want] of cases) t.equal(waitReason(task, AT), want);
});

t.test('fenced reports: start, exit and unclaim apply only from the worker holding that attempt', async (t) => {
  const reports: Array<(by: { worker: string; attempt: number }) => TaskEvent> = [
    (by) => ({ type: 'start', pid: 9, pgid: 9, at: AT, by }),
    (by) => ({ type: 'exit', at: AT, exitCode: 1, signal: null, cause: 'exit', by }),
    (by) => ({ type: 'unclaim', at: AT, reason: 'giving back', by }),
  ];
  // Attempt 2 of a retried task, held by w1 (the same worker that lost attempt 1, or another).
  const held = (state: State) => taskIn(state, { attempt: 2, retries: 3 });
  for (const make of reports) {
    const type = make({ worker: 'w1', attempt: 2 }).type;
    const from: State = type === 'exit' ? 'RUNNING' : 'CLAIMED';
    const right = transition(held(from), make({ worker: 'w1', attempt: 2 }), env);
    t.ok(right.ok, `${type} from the holder of the attempt applies`);
    for (const [why, by] of [
      ['an older attempt', { worker: 'w1', attempt: 1 }],
      ['another worker', { worker: 'w9', attempt: 2 }],
    ] as const) {
      const r = transition(held(from), make(by), env);
      t.ok(!r.ok && r.stale === true, `${type} for ${why} is refused as stale`);
      if (!r.ok) t.match(r.error, /stale .* attempt/);
    }
    for (const s of ['WAITING', ...TERMINAL] as State[]) {
      const r = transition(held(s), make({ worker: 'w1', attempt: 2 }), env);
      t.ok(!r.ok && r.stale === true, `${type} for a task that is ${s} is stale`);
    }
  }
  // Without a reporter (the daemon's own events: a write-off, reconcile of a found process) nothing is fenced.
  t.ok(transition(held('CLAIMED'), { type: 'start', pid: 9, pgid: 9, at: AT }, env).ok);
});

t.test('kill keeps the signal asked for until the attempt ends', async (t) => {
  const r = transition(taskIn('RUNNING', { retries: 1 }), { type: 'kill', at: AT, signal: 'SIGINT' }, env);
  t.ok(r.ok && r.task.stopRequested && r.task.stopSignal === 'SIGINT');
  if (!r.ok) return;
  const ended = transition(r.task, { type: 'exit', at: AT + 1, exitCode: null, signal: 'SIGINT', cause: 'killed' }, env);
  t.ok(ended.ok && ended.task.state === 'STOPPED' && ended.task.stopSignal === undefined);
});
