// Each view alone, drawn from props with ink-testing-library.
import t from 'tap';
import { render } from 'ink-testing-library';
import { ConfirmDialog } from '../../src/ui/components/ConfirmDialog.js';
import { DetailsView } from '../../src/ui/components/DetailsView.js';
import { FilterPrompt } from '../../src/ui/components/FilterPrompt.js';
import { FinishedTable } from '../../src/ui/components/FinishedTable.js';
import { Footer } from '../../src/ui/components/Footer.js';
import { Header } from '../../src/ui/components/Header.js';
import { HelpOverlay } from '../../src/ui/components/HelpOverlay.js';
import { LogPane } from '../../src/ui/components/LogPane.js';
import { QueueTable } from '../../src/ui/components/QueueTable.js';
import { RunningTable } from '../../src/ui/components/RunningTable.js';
import { Sparkline } from '../../src/ui/components/Sparkline.js';
import { TypeBars } from '../../src/ui/components/TypeBars.js';
import { WorkersTable } from '../../src/ui/components/WorkersTable.js';
import { appendText, emptyLog, setTail } from '../../src/ui/log-lines.js';
import { loaded } from '../../src/ui/reducer.js';
import { initialState, zeroCounts } from '../../src/ui/state.js';
import { initialUi } from '../../src/ui/ui-state.js';
import { connectionChanged } from '../../src/ui/updates.js';
import { finished, ps, running, T0, task, worker } from './helpers/fixtures.js';

const theme = { color: false };
const lines = (f: string | undefined) => (f ?? '').split('\n');
const widest = (f: string | undefined) => Math.max(...lines(f).map((l) => [...l].length));

t.test('header: daemon, workers and slots; counts by state; sparklines', async (t) => {
  let s = loaded(
    initialState(T0),
    {
      ps: ps([running(), task(), finished('ERROR')]),
      workers: [worker(), worker({ id: 'w2', name: 'b', state: 'paused' })],
      status: { pid: 77, version: '0.1.0', startedAt: T0 - 3_723_000, counts: zeroCounts(), rss: 50 * 1024 * 1024, cpu: 1500 },
    },
    T0,
  );
  s = { ...s, rate: { start: T0, buckets: [0, 2, 4, 8, 3] }, memory: [1, 2, 3] };
  const { lastFrame } = render(<Header state={s} slots={{ used: 1, total: 8 }} width={80} theme={theme} />);
  const [l1, l2, l3] = lines(lastFrame());
  t.match(l1, /^blanket 0\.1\.0 · up 1h2m · pid 77 · workers 2 \(1 paused\) · slots 1\/8 +● live$/);
  t.equal(l2, 'waiting 1  running 1  ok 0  error 1');
  t.match(l3, /^done\/s +8 .*▁▃▅█ +mem +50M .*▁▅█ cpu 1\.5s$/);
  t.ok(widest(lastFrame()) <= 80);
  const down = connectionChanged(s, 'reconnecting', { error: 'connect ECONNREFUSED', retryAt: T0 + 2000 });
  t.match(lines(render(<Header state={down} slots={{ used: 0 }} width={80} theme={theme} />).lastFrame())[0], /○ reconnecting… 2s \(connect ECONNREFUSED\)/);
});

t.test('sparkline', async (t) => {
  t.equal(render(<Sparkline values={[1, 2, 3, 4]} width={6} theme={theme} />).lastFrame(), '  ▃▅▆█');
});

t.test('type bars: stacked waiting / running / succeeded / failed, busiest first', async (t) => {
  const byType = {
    quiet: { ...zeroCounts(), SUCCESS: 10 },
    busy: { ...zeroCounts(), WAITING: 5, RUNNING: 5, SUCCESS: 5, ERROR: 5 },
  };
  const f = render(<TypeBars byType={byType} exact height={4} width={60} theme={theme} />).lastFrame();
  t.same(lines(f), [
    'TYPES 2  ░ waiting ▓ running █ succeeded ╳ failed',
    'busy  ░░░░░░░░░░░▓▓▓▓▓▓▓▓▓▓██████████╳╳╳╳╳╳╳╳╳╳  ░5 ▓5 █5 ╳5',
    'quiet █████████████████████████████████████████ ░0 ▓0 █10 ╳0',
  ]);
});

t.test('running table: id, type, worker, elapsed, progress bar, label and message', async (t) => {
  const a = running({ id: '0mrun001', type: 'build', label: 'nightly', progress: { percent: 60, message: 'linking', at: T0 } });
  const b = running({ id: '0mrun002', state: 'CLAIMED', startedAt: undefined });
  const f = render(<RunningTable tasks={[a, b]} selected={0} focused height={2} width={80} now={T0} theme={theme} />).lastFrame();
  t.same(lines(f), [
    'RUNNING 2               WORKER     ELAPSED PROGRESS        LABEL',
    '› 0mrun001 build        local          30s ██████░░░░  60% nightly · linking',
    '  0mrun002 echo         local      claimed',
  ]);
  t.equal(lines(render(<RunningTable tasks={[]} selected={-1} focused height={0} width={80} now={T0} theme={theme} />).lastFrame())[0], 'RUNNING 0  nothing running');
  const narrow = render(<RunningTable tasks={[a]} selected={0} focused height={1} width={40} now={T0} theme={theme} />).lastFrame();
  t.ok(widest(narrow) <= 40, 'columns drop to fit 40');
  t.match(narrow, /0mrun001 build +30s/);
});

t.test('queue table: run order with the reason each waits, and how many more', async (t) => {
  const a = task({ id: '0mque001', priority: 5, label: 'l1' });
  const b = task({ id: '0mque002', waitingOn: ['0mque001'] });
  const waits = new Map([
    [a.id, 'ready'],
    [b.id, 'waits for 0mque001'],
  ]);
  const f = render(<QueueTable tasks={[a, b]} waits={waits} more={40} selected={1} focused height={5} width={80} theme={theme} />).lastFrame();
  t.match(lines(f)[0], /^QUEUED 2\+40 +PRIO WAITS FOR +LABEL$/);
  t.match(lines(f)[1], /^  0mque001 echo +5 ready +l1$/);
  t.match(lines(f)[2], /^› 0mque002 echo +0 waits for 0mque001/);
  t.equal(lines(f).length, 3);
});

t.test('a table scrolls to keep the selection in view', async (t) => {
  const tasks = Array.from({ length: 10 }, (_, i) => task({ id: `0mq0000${i}` }));
  const f = render(<QueueTable tasks={tasks} waits={new Map()} more={0} selected={8} focused height={3} width={80} theme={theme} />).lastFrame();
  t.same(
    lines(f)
      .slice(1)
      .map((l) => l.slice(0, 10)),
    ['  0mq00006', '  0mq00007', '› 0mq00008'],
  );
});

t.test('finished table: state, exit code or signal, duration, age', async (t) => {
  const a = finished('ERROR', { id: '0mfin001', exitCode: 3, startedAt: T0 - 65_000, endedAt: T0 - 5000 });
  const b = finished('STOPPED', { id: '0mfin002', exitCode: null, signal: 'SIGTERM', endedAt: T0 - 120_000, startedAt: T0 - 121_000 });
  const f = render(<FinishedTable tasks={[a, b]} more={0} selected={-1} focused height={2} width={80} now={T0} theme={theme} />).lastFrame();
  t.match(lines(f)[0], /^FINISHED 2 +STATE +EXIT +TOOK +ENDED LABEL$/);
  t.match(lines(f)[1], /^  0mfin001 echo +ERROR +3 +1m +5s ago/);
  t.match(lines(f)[2], /^  0mfin002 echo +STOPPED +SIGTERM +1\.0s +2m ago/);
});

t.test('workers table: tags, slots, heartbeat age; and a daemon that does not list them', async (t) => {
  const ws = [worker({ name: 'alpha', running: ['x', 'y'] }), worker({ id: 'w2', name: 'beta', state: 'lost', heartbeatAt: T0 - 90_000, tags: ['gpu'] })];
  const f = render(<WorkersTable workers={ws} selected={1} focused height={2} width={80} now={T0} theme={theme} />).lastFrame();
  t.match(lines(f)[0], /^WORKERS 2 +STATE +SLOTS +BEAT +PID TAGS$/);
  t.match(lines(f)[1], /^  alpha +running +2\/4 +2s +900 linux,bash/);
  t.match(lines(f)[2], /^› beta +lost +0\/4 +- +900 gpu/);
  t.equal(
    render(<WorkersTable workers={undefined} selected={-1} focused height={1} width={80} now={T0} theme={theme} />).lastFrame(),
    'WORKERS 0  this daemon does not list workers',
  );
});

t.test('log pane: follows the end; full screen scrolls back', async (t) => {
  const r = running({ id: '0mrun001' });
  let log = setTail(emptyLog(r.id), Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\n');
  log = appendText(log, 'bad thing\n', 'stderr');
  const pane = render(<LogPane log={log} task={r} height={3} width={80} scroll={0} full={false} theme={theme} />).lastFrame();
  t.same(lines(pane), ['LOG 0mrun001 echo RUNNING  l full screen', 'line 8', 'line 9', 'bad thing']);
  const back = render(<LogPane log={log} task={r} height={3} width={80} scroll={4} full theme={theme} />).lastFrame();
  t.same(lines(back), ['LOG 0mrun001 echo RUNNING  4 lines back · G follows · Esc back', 'line 4', 'line 5', 'line 6']);
  t.equal(
    lines(
      render(<LogPane log={{ ...emptyLog(r.id), loading: false }} task={task({ id: '0mrun001' })} height={3} width={80} scroll={0} full={false} theme={theme} />).lastFrame(),
    )[1],
    'not started yet',
  );
  t.equal(lines(render(<LogPane height={3} width={80} scroll={0} full={false} theme={theme} />).lastFrame())[0], 'LOG  select a task to follow its output');
});

t.test('details view: what blanket show prints, scrollable', async (t) => {
  const f = finished('ERROR', { id: '0mfin001', exitCode: 3 });
  const d = { id: f.id, show: { task: f, dependents: ['0mdep001'] } };
  const top = render(<DetailsView details={d} height={4} width={80} scroll={0} now={T0} />).lastFrame();
  t.same(lines(top).slice(0, 3), ['DETAILS 0mfin001  ↑↓ scroll · l log · Esc back', 'id          0mfin001', 'type        echo']);
  const down = render(<DetailsView details={d} height={4} width={80} scroll={2} now={T0} />).lastFrame();
  t.match(lines(down)[1], /^state +ERROR/);
  t.equal(lines(render(<DetailsView details={{ id: 'x', error: 'no task x' }} height={4} width={80} scroll={0} now={T0} />).lastFrame())[1], 'cannot show x: no task x');
});

t.test('help lists every key', async (t) => {
  const f = render(<HelpOverlay height={20} width={80} />).lastFrame()!;
  for (const k of ['j k', 'Enter', 'l ', 'K ', 'r ', 'p ', '/ ', '? ', 'q  Ctrl-C', 'Tab']) t.match(f, k);
});

t.test('filter prompt and kill confirmation', async (t) => {
  t.equal(render(<FilterPrompt draft="type:echo" width={80} />).lastFrame(), '/ type:echo   Enter apply · Esc cancel');
  const long = render(<FilterPrompt draft={'x'.repeat(100)} width={40} />).lastFrame()!;
  t.ok([...long].length <= 40);
  const r = running({ id: '0mrun001' });
  t.equal(render(<ConfirmDialog id={r.id} task={r} width={80} theme={theme} />).lastFrame(), 'Kill 0mrun001 (echo, RUNNING)? y to kill, n to keep');
  t.match(render(<ConfirmDialog id="0mq" task={task({ id: '0mq' })} width={80} theme={theme} />).lastFrame(), /queued: it will be cancelled/);
});

t.test('footer: keys, the applied filter, a notice', async (t) => {
  t.match(render(<Footer ui={initialUi()} width={80} theme={theme} />).lastFrame(), /^↑↓ select +⏎ details +l log +K kill +r rerun +p pause +\/ filter +\? help +q quit$/);
  t.match(render(<Footer ui={initialUi('echo')} width={80} theme={theme} />).lastFrame(), /^filter: echo \(Esc clears\)/);
  t.equal(render(<Footer ui={initialUi()} notice={{ text: 'stopping 0mrun001', level: 'info', at: T0 }} width={80} theme={theme} />).lastFrame(), 'stopping 0mrun001');
  t.ok([...render(<Footer ui={initialUi('echo')} width={40} theme={theme} />).lastFrame()!].length <= 40);
});
