import t from 'tap';
import { matchesFilter } from '../../src/ui/filter.js';
import { allocate, scrollStart } from '../../src/ui/layout.js';
import { appendText, emptyLog, LOG_LINES, setTail } from '../../src/ui/log-lines.js';
import { compareQueued } from '../../src/ui/order.js';
import { sparkline, stack } from '../../src/ui/sparkline.js';
import { cut, fit, fitColumns } from '../../src/ui/text.js';
import { colourWanted } from '../../src/ui/theme.js';
import { throttle } from '../../src/ui/throttle.js';
import { runningByType, whyWaiting } from '../../src/ui/wait.js';
import { FakeClock } from './helpers/fake-clock.js';
import { running, T0, task, worker } from './helpers/fixtures.js';

t.test('log lines: partial lines join, carriage returns overwrite, escapes are dropped', async (t) => {
  let v = setTail(emptyLog('a'), 'one\ntwo\n');
  t.same(
    v.lines.map((l) => l.text),
    ['one', 'two'],
  );
  t.equal(v.loading, false);
  v = appendText(v, 'thr', 'stdout');
  v = appendText(v, 'ee\nfo', 'stdout');
  t.same(
    v.lines.map((l) => l.text),
    ['one', 'two', 'three', 'fo'],
  );
  v = appendText(v, 'oops\n', 'stderr');
  t.same(
    v.lines.slice(-2),
    [
      { text: 'fo', stream: 'stdout' },
      { text: 'oops', stream: 'stderr' },
    ],
    'another stream starts its own line',
  );
  v = appendText(v, ' 10%\r', 'stdout');
  v = appendText(v, ' 50%\r', 'stdout');
  t.equal(v.lines[v.lines.length - 1]!.text, ' 50%', 'a progress line redraws in place');
  v = appendText(v, 'done\r\n', 'stdout');
  t.equal(v.lines[v.lines.length - 1]!.text, 'done');
  v = appendText(v, '\x1b[31mred\x1b[0m \x1b]0;title\x07\tx\x07\n', 'stdout');
  t.equal(v.lines[v.lines.length - 1]!.text, 'red     x');
  const total = v.total;
  for (let i = 0; i < LOG_LINES + 10; i++) v = appendText(v, `l${i}\n`, 'stdout');
  t.equal(v.lines.length, LOG_LINES);
  t.equal(v.total, total + LOG_LINES + 10, 'the count of lines goes on past the cap');
});

t.test('wait reasons: dependencies, time, workers, max_concurrent, slots', async (t) => {
  const now = T0;
  const base = { now, runningByType: new Map<string, number>() };
  t.equal(whyWaiting(task({ waitingOn: ['0maaaaaa'] }), base), 'waits for 0maaaaaa');
  t.equal(whyWaiting(task({ notBefore: now + 9_500 }), base), 'starts in 10s');
  t.equal(whyWaiting(task({ notBefore: now + 2000, attempt: 2 }), base), 'retry 1: starts in 2s');
  t.equal(whyWaiting(task(), base), 'ready', 'without workers listed, nothing more is known');
  const x = task();
  t.equal(whyWaiting(x, { ...base, daemon: { [x.id]: 'no worker has tags gpu' } }), 'no worker has tags gpu', '…unless the daemon said');
  const ws = [worker({ tags: ['linux'] })];
  t.equal(whyWaiting(task({ tags: ['gpu'] }), { ...base, workers: ws }), 'no worker has gpu');
  t.equal(whyWaiting(task({ tags: ['linux'] }), { ...base, workers: [] }), 'no worker has linux');
  t.equal(whyWaiting(task({ tags: ['linux'] }), { ...base, workers: [worker({ tags: ['linux'], state: 'stopped' })] }), 'no worker has linux');
  const busy = runningByType([running({ type: 'build' }), running({ type: 'build' })]);
  t.equal(whyWaiting(task({ type: 'build', maxConcurrent: 2 }), { ...base, workers: ws, runningByType: busy }), 'max_concurrent 2 reached');
  t.equal(whyWaiting(task({ type: 'build', maxConcurrent: 3 }), { ...base, workers: ws, runningByType: busy }), 'ready');
  t.equal(whyWaiting(task(), { ...base, workers: [worker({ state: 'paused' })] }), 'its workers are paused');
  t.equal(whyWaiting(task(), { ...base, workers: [worker({ slots: 1, running: ['x'] })] }), 'all slots busy');
  t.equal(
    whyWaiting(task(), { ...base, workers: [worker({ slots: 1, running: ['x'] })], busy: new Map([['w1', 0]]) }),
    'ready',
    'live slot use wins over the worker’s last report',
  );
});

t.test('run order: priority then age; timed, then blocked, last', async (t) => {
  const a = task({ id: '0m000001', priority: 1 });
  const b = task({ id: '0m000002', priority: 3 });
  const c = task({ id: '0m000003', notBefore: T0 + 5 });
  const d = task({ id: '0m000004', notBefore: T0 + 1 });
  const e = task({ id: '0m000005', waitingOn: ['x'] });
  const f = task({ id: '0m000000', priority: 1 });
  t.same(
    [e, d, c, a, b, f].sort(compareQueued).map((x) => x.id),
    [b, f, a, d, c, e].map((x) => x.id),
  );
});

t.test('layout: every section gets a title, rows go by priority, the log takes the rest', async (t) => {
  const want = { types: 2, running: 3, queued: 10, finished: 10, workers: 2, log: 8 };
  const rows = allocate(19, want);
  const used = Object.values(rows).reduce((a, b) => a + b + 1, 0);
  t.equal(used, 19, 'fills the body exactly');
  t.equal(rows.running, 3);
  t.ok(rows.queued! >= 2 && rows.finished! >= 2);
  t.same(allocate(100, want).log, 100 - 6 - (2 + 3 + 10 + 10 + 2), 'spare rows go to the log');
  const tiny = allocate(4, want);
  t.same(Object.keys(tiny).sort(), ['finished', 'queued', 'running', 'workers'], 'types and log go first when short');
  t.same(allocate(3, { ...want, types: 0 }), { running: 0, queued: 0, finished: 0 });
  t.equal(scrollStart(0, 3, 10), 0);
  t.equal(scrollStart(5, 3, 10), 3);
  t.equal(scrollStart(9, 3, 10), 7);
});

t.test('glyphs: sparklines scale, stacked bars keep slivers, columns fit', async (t) => {
  t.equal(sparkline([0, 1, 2, 4], 4), '▁▃▅█');
  t.equal(sparkline([5], 3), '  █');
  t.equal(sparkline([7, 7], 2, 'min'), '▄▄', 'a flat line sits in the middle');
  t.equal(sparkline([0, 0], 2), '▁▁');
  t.equal(sparkline([100, 101], 2, 'min'), '▁█');
  t.same(stack([1, 0, 1000, 0], 10), [1, 0, 9, 0]);
  t.same(stack([0, 0, 0, 0], 10), [0, 0, 0, 0]);
  t.equal(
    stack([3, 3, 3, 1], 7).reduce((a, b) => a + b),
    7,
  );
  t.equal(cut('abcdef', 4), 'abc…');
  t.equal(fit('ab', 4, 'right'), '  ab');
  const w = fitColumns(
    [
      { key: 'a', width: 10 },
      { key: 'b', width: 10, drop: 1 },
      { key: 'c', width: 5, flex: true },
    ],
    20,
  );
  t.same(
    [...w],
    [
      ['a', 10],
      ['c', 9],
    ],
  );
});

t.test('filter: bare words match type, label or state; field:word pins one', async (t) => {
  const x = task({ type: 'nightly_build', label: 'deploy', state: 'ERROR' });
  t.ok(matchesFilter(x, ''));
  t.ok(matchesFilter(x, 'build'));
  t.ok(matchesFilter(x, 'DEPLOY'));
  t.ok(matchesFilter(x, 'error'));
  t.ok(matchesFilter(x, 'type:nightly state:err'));
  t.notOk(matchesFilter(x, 'label:nightly'));
  t.notOk(matchesFilter(x, 'build success'));
});

t.test('colour is off for --no-color, NO_COLOR, TERM=dumb and pipes', async (t) => {
  t.equal(colourWanted({}, true, true), true);
  t.equal(colourWanted({}, false, true), false);
  t.equal(colourWanted({ NO_COLOR: '1' }, true, true), false);
  t.equal(colourWanted({ TERM: 'dumb' }, true, true), false);
  t.equal(colourWanted({}, true, false), false);
});

t.test('throttle: leading call at once, the rest folded into one per interval', async (t) => {
  const clock = new FakeClock();
  let n = 0;
  const f = throttle(() => n++, 100, clock);
  for (let i = 0; i < 1000; i++) f();
  t.equal(n, 1, 'a burst runs once at once');
  clock.advance(100);
  t.equal(n, 2, '…and once more after the interval');
  // One call a millisecond for a second: about ten runs.
  for (let i = 0; i < 1000; i++) {
    clock.advance(1);
    f();
  }
  clock.advance(100);
  t.ok(n >= 10 && n <= 13, `ran ${n} times`);
  f();
  f.cancel();
  clock.advance(1000);
  const before = n;
  f();
  t.equal(n, before + 1);
});
