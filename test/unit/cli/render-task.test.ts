import t from 'tap';
import { renderPs, renderShow, summary } from '../../../src/cli/render/task.js';
import { setColor } from '../../../src/cli/style.js';
import { STATES, type State } from '../../../src/protocol/model.js';
import type { PsSections } from '../../../src/protocol/methods.js';
import { T0, taskIn } from '../../helpers/tasks.js';

const EXPECTED_PS = `Running (1)
ID        TYPE       STATE    WORKER  ELAPSED  LABEL    COMMAND
1sc46g01  echo_task  RUNNING  w1      1m5s     nightly  echo 'hello'  ████░░░░░░ 40% copying

Queued (14) — in the order they will run
ID        TYPE       PRIO  WAITS FOR           LABEL  COMMAND
1sc46g02  echo_task  5     a worker                   echo 'hello'
1sc46g03  shell      0     waits for 1sc46g01         make test && make install
1sc46g04  echo_task  0     starts in 30s              echo 'hello'
1sc46g05  echo_task  0     retry 2                    echo 'hello'
… and 10 more queued (blanket ps --state WAITING -n N)

Finished (latest 4)
ID        TYPE       STATE     EXIT     DURATION  ENDED     LABEL  COMMAND
1sc46g06  echo_task  SUCCESS   0        5.0s      5.0s ago         echo 'hello'
1sc46g07  echo_task  ERROR     2        2.5s      1.5s ago         echo 'hello'
1sc46g08  echo_task  TIMEDOUT  SIGKILL  10s       10s ago          echo 'hello'
1sc46g09  echo_task  SKIPPED   -        -         1h ago           echo 'hello'`;
const EXPECTED_SHOW = `id          1sc46g0a
type        echo_task
state       WAITING  (attempt 1 ended ERROR (exited with code 1); retry 1 of 2)
waiting     waits for 1sc46g01
label       ci
priority    0
tags        bash, unix
executor    bash
attempt     2 of 3
timeout     10s
created     2026-05-17T12:00:00.000Z
not before  2026-05-17T12:01:35.000Z
depends on  1sc46g06, 1sc46g01 (waiting)
dependents  1sc46g0b
results     /tmp/results/1sc46g00
cwd         (the result directory)
base env    the worker's

Environment
NAME   "O'Brien"
EMPTY  ""

Command
printf '%s' 'O'\\''Brien'

Files
report.md (6 bytes)

Attempts
#  WORKER  STARTED                   DURATION  OUTCOME  EXIT  REASON
1  w1      2026-05-17T12:00:00.002Z  1.5s      ERROR    1     exited with code 1`;

setColor(false); // as with NO_COLOR or a pipe
const NOW = T0 + 90_000;
const counts = (c: Partial<Record<State, number>>) => ({ ...Object.fromEntries(STATES.map((s) => [s, 0])), ...c }) as Record<State, number>;

const running = taskIn('RUNNING', { id: '1sc46g01', startedAt: NOW - 65_000, label: 'nightly', progress: { percent: 40, message: 'copying', at: NOW } });
const queued = [
  taskIn('WAITING', { id: '1sc46g02', priority: 5 }),
  taskIn('WAITING', {
    id: '1sc46g03',
    type: 'shell',
    executor: 'sh',
    env: { COMMAND: 'make   test\n&& make install' },
    command: 'make test && make install',
    after: ['1sc46g01'],
    waitingOn: ['1sc46g01'],
  }),
  taskIn('WAITING', { id: '1sc46g04', notBefore: NOW + 30_000, attempt: 2 }),
  taskIn('WAITING', { id: '1sc46g05', attempt: 3 }),
];
const finished = [
  taskIn('SUCCESS', { id: '1sc46g06', startedAt: NOW - 10_000, endedAt: NOW - 5_000 }),
  taskIn('ERROR', { id: '1sc46g07', startedAt: NOW - 4_000, endedAt: NOW - 1_500, exitCode: 2 }),
  taskIn('TIMEDOUT', { id: '1sc46g08', startedAt: NOW - 20_000, endedAt: NOW - 10_000, exitCode: null, signal: 'SIGKILL' }),
  taskIn('SKIPPED', { id: '1sc46g09', endedAt: NOW - 3_600_000 }),
];

t.test('renderPs: running, queued in run order with why, finished', async (t) => {
  const r: PsSections = {
    running: [running],
    queued,
    finished,
    counts: counts({ RUNNING: 1, WAITING: 14, SUCCESS: 1, ERROR: 1, TIMEDOUT: 1, SKIPPED: 1 }),
    more: { queued: 10, finished: 0 },
  };
  t.equal(renderPs(r, NOW, 120), EXPECTED_PS);
});

t.test('renderPs: empty, and finished with more', async (t) => {
  const empty: PsSections = { running: [], queued: [], finished: [], counts: counts({}), more: { queued: 0, finished: 0 } };
  t.equal(renderPs(empty, NOW), 'No tasks. Submit one with: blanket run -- echo hello');
  const some: PsSections = { running: [], queued: [], finished: finished.slice(0, 1), counts: counts({ SUCCESS: 30 }), more: { queued: 0, finished: 29 } };
  t.match(renderPs(some, NOW), /^Finished \(latest 1 of 30\)\n/);
});

t.test('renderPs: narrow terminals truncate lines with an ellipsis', async (t) => {
  const r: PsSections = { running: [], queued: queued.slice(1, 2), finished: [], counts: counts({ WAITING: 1 }), more: { queued: 0, finished: 0 } };
  const out = renderPs(r, NOW, 50);
  for (const line of out.split('\n')) t.ok([...line].length <= 50, `${JSON.stringify(line)} fits in 50 columns`);
  t.match(out, /…$/m);
});

t.test('summary', async (t) => {
  t.equal(summary(queued[1]!), 'make test && make install', 'ad-hoc tasks show what was typed, whitespace folded');
  t.equal(summary(taskIn('WAITING', { command: 'x'.repeat(100) }), 10), 'xxxxxxxxx…');
  t.equal(summary(taskIn('WAITING', { command: '☃'.repeat(12) }), 10), '☃☃☃☃☃☃☃☃☃…', 'counts characters, not bytes');
});

t.test('renderShow', async (t) => {
  const task = taskIn('WAITING', {
    id: '1sc46g0a',
    label: 'ci',
    retries: 2,
    attempt: 2,
    env: { NAME: "O'Brien", EMPTY: '' },
    notBefore: NOW + 5_000,
    reason: 'attempt 1 ended ERROR (exited with code 1); retry 1 of 2',
    after: ['1sc46g06', '1sc46g01'],
    waitingOn: ['1sc46g01'],
    files: [{ name: 'report.md', content: 'héllo' }],
    command: "printf '%s' 'O'\\''Brien'\n",
    attempts: [{ attempt: 1, worker: 'w1', claimedAt: T0 + 1, startedAt: T0 + 2, endedAt: T0 + 1502, outcome: 'ERROR', exitCode: 1, reason: 'exited with code 1' }],
  });
  t.equal(renderShow({ task, dependents: ['1sc46g0b'] }, NOW), EXPECTED_SHOW);
  const withStates = renderShow({ task, dependents: ['1sc46g0b'], related: { '1sc46g06': 'SUCCESS', '1sc46g01': 'RUNNING' } }, NOW);
  t.match(withStates, /^depends on +1sc46g06 SUCCESS, 1sc46g01 RUNNING$/m, 'the states the daemon sends are shown');
  t.match(withStates, /^dependents +1sc46g0b \(removed\)$/m, 'a dependent the daemon no longer has');
});

t.test('renderShow of an ad-hoc task: its directory, and only the names of its environment', async (t) => {
  const task = taskIn('SUCCESS', { type: 'shell', cwd: '/home/ada/proj' });
  const out = renderShow({ task, dependents: [], callerEnvNames: ['HOME', 'PATH', 'TOKEN'] }, NOW);
  t.match(out, /^cwd +\/home\/ada\/proj$/m);
  t.match(out, /^base env +the submitter's \(3 variables; names in --json\)$/m);
});

t.test('renderShow of a running attempt', async (t) => {
  const out = renderShow({ task: running, dependents: [] }, NOW);
  t.match(out, /^duration +1m5s$/m);
  t.match(out, /^worker +w1$/m);
  t.match(out, /^progress +████░░░░░░ 40% copying$/m);
  t.match(out, /^1 +w1 +2026-05-17T12:00:00\.002Z +1m30s +running +- *$/m);
  // eslint-disable-next-line no-control-regex -- looking for colour escapes
  t.notMatch(out, /\x1b\[/, 'no colour codes');
});

t.test('colour changes only the escape codes, never the layout', async (t) => {
  const r: PsSections = { running: [running], queued, finished, counts: counts({ RUNNING: 1, WAITING: 14 }), more: { queued: 10, finished: 0 } };
  setColor(true);
  try {
    const coloured = renderPs(r, NOW, 120);
    /* eslint-disable no-control-regex -- colour escapes */
    t.match(coloured, /\x1b\[/);
    t.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), EXPECTED_PS);
    /* eslint-enable no-control-regex */
  } finally {
    setColor(false);
  }
});
