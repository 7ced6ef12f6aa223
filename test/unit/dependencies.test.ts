// Dependency resolution and delays in the one transition function, with a fixed clock.
import t from 'tap';
import { skipReason, transition, waitReason } from '../../src/core/states.js';
import type { State, Task, TerminalState } from '../../src/protocol/model.js';

const T = 1_700_000_000_000;

function task(patch: Partial<Task> = {}): Task {
  return {
    id: 'c',
    type: 'shell',
    priority: 0,
    env: {},
    tags: [],
    executor: 'sh',
    command: 'true',
    files: [],
    timeout: 60,
    retries: 0,
    retryBackoff: 0,
    maxConcurrent: 0,
    state: 'WAITING',
    attempt: 1,
    attempts: [],
    after: ['a', 'b'],
    waitingOn: ['a', 'b'],
    createdAt: T,
    updatedAt: T,
    resultDir: '/r/c',
    ...patch,
  };
}

t.test('a dependency event, for every way a dependency can end', async (t) => {
  type Row = [what: string, before: Partial<Task>, dep: string, depState: TerminalState, state: State, waitingOn: string[], reason?: RegExp];
  const rows: Row[] = [
    ['one of two succeeds: still waiting for the other', {}, 'a', 'SUCCESS', 'WAITING', ['b']],
    ['the last one succeeds: runnable', { waitingOn: ['b'] }, 'b', 'SUCCESS', 'WAITING', []],
    ['ERROR skips it, naming the dependency', {}, 'a', 'ERROR', 'SKIPPED', ['a', 'b'], /^dependency a ended ERROR$/],
    ['TIMEDOUT skips it', {}, 'b', 'TIMEDOUT', 'SKIPPED', ['a', 'b'], /^dependency b ended TIMEDOUT$/],
    ['STOPPED skips it', {}, 'a', 'STOPPED', 'SKIPPED', ['a', 'b'], /^dependency a ended STOPPED$/],
    ['LOST skips it', {}, 'a', 'LOST', 'SKIPPED', ['a', 'b'], /^dependency a ended LOST$/],
    ['SKIPPED skips it', {}, 'a', 'SKIPPED', 'SKIPPED', ['a', 'b'], /^dependency a ended SKIPPED$/],
    ['a task it does not wait for changes nothing', { waitingOn: ['b'] }, 'a', 'ERROR', 'WAITING', ['b']],
    ['a task that is not waiting changes nothing', { state: 'STOPPED' }, 'a', 'ERROR', 'STOPPED', ['a', 'b']],
  ];
  for (const [what, before, dep, depState, state, waitingOn, reason] of rows) {
    const r = transition(task(before), { type: 'dependency', at: T + 5, dep, depState }, { random: 0 });
    t.ok(r.ok, what);
    if (!r.ok) continue;
    t.equal(r.task.state, state, `${what}: state`);
    t.same(r.task.waitingOn, waitingOn, `${what}: waits on`);
    if (reason) t.match(r.task.reason, reason, `${what}: reason`);
    if (state === 'SKIPPED') t.equal(r.task.endedAt, T + 5, `${what}: ended`);
  }
  const delayed = transition(task({ notBefore: T + 60_000 }), { type: 'dependency', at: T, dep: 'a', depState: 'ERROR' }, { random: 0 });
  t.ok(delayed.ok && delayed.task.notBefore === undefined, 'a skipped task leaves the not-before index');
});

t.test('a skipped chain names where it broke', async (t) => {
  const rows: Array<[dep: string, depState: TerminalState, depReason: string | undefined, reason: string]> = [
    ['b', 'ERROR', 'exited with code 3', 'dependency b ended ERROR'],
    ['b', 'SKIPPED', 'dependency a ended ERROR', 'dependency b was skipped, after a ended ERROR'],
    ['c', 'SKIPPED', 'dependency b was skipped, after a ended ERROR', 'dependency c was skipped, after a ended ERROR'],
    ['b', 'SKIPPED', undefined, 'dependency b ended SKIPPED'],
  ];
  for (const [dep, depState, depReason, reason] of rows) t.equal(skipReason(dep, depState, depReason), reason);
  const r = transition(
    task({ waitingOn: ['b'], after: ['b'] }),
    { type: 'dependency', at: T, dep: 'b', depState: 'SKIPPED', depReason: 'dependency a ended TIMEDOUT' },
    { random: 0 },
  );
  t.ok(r.ok && r.task.reason === 'dependency b was skipped, after a ended TIMEDOUT', 'through the transition');
});

t.test('not-before: claim waits for the due event; ps says how long', async (t) => {
  const waiting = task({ after: [], waitingOn: [], notBefore: T + 9 * 60_000 });
  t.notOk(transition(waiting, { type: 'claim', worker: 'w', at: T }, { random: 0 }).ok, 'not claimable before it is due');
  const due = transition(waiting, { type: 'due', at: T + 9 * 60_000 }, { random: 0 });
  t.ok(due.ok && due.task.notBefore === undefined, 'due releases it');
  t.ok(due.ok && transition(due.task, { type: 'claim', worker: 'w', at: T }, { random: 0 }).ok, 'then it can be claimed');
  const rows: Array<[Partial<Task>, number, string | undefined]> = [
    [{ notBefore: T + 9 * 60_000 }, T, 'starts in 9m'],
    [{ notBefore: T + 3000 }, T, 'starts in 3s'],
    [{ notBefore: T + 2500 }, T, 'starts in 3s'],
    [{ notBefore: T + 1 }, T, 'starts in 1s'],
    [{ notBefore: T + 3_723_000 }, T, 'starts in 1h2m'],
    [{ notBefore: T }, T, 'due'],
    [{ waitingOn: ['a', 'b'] }, T, 'waits for a, b'],
    [{ waitingOn: [] }, T, undefined],
    [{ state: 'RUNNING', waitingOn: [] }, T, undefined],
  ];
  for (const [patch, now, text] of rows) t.equal(waitReason(task({ waitingOn: [], ...patch }), now), text, text ?? 'nothing to say');
});
