// The whole dashboard with a fake client and a fake clock, on an 80×24
// terminal: every key, resize, reconnect and the render budget.
import t from 'tap';
import type { Connector } from '../../src/ui/data.js';
import { Top } from '../../src/ui/Top.js';
import { FakeClock } from './helpers/fake-clock.js';
import { FakeClient, type FakeData } from './helpers/fake-client.js';
import { finished, running, T0, task, worker } from './helpers/fixtures.js';
import { KEY, renderAt, tick } from './helpers/render.js';

const RUN = running({ id: '0mrun001', type: 'build', label: 'nightly', worker: 'w1', progress: { percent: 40, message: 'step 2', at: T0 } });
const QUE = task({ id: '0mque001', type: 'echo' });
const FIN = finished('ERROR', { id: '0mfin001', type: 'train', exitCode: 2 });
const W1 = worker({ id: 'w1', name: 'alpha', running: [RUN.id] });
const W2 = worker({ id: 'w2', name: 'beta', tags: ['gpu'] });

function data(over: FakeData = {}): FakeData {
  return { tasks: [RUN, QUE, FIN], workers: [W1, W2], logs: { [RUN.id]: 'compiling a\ncompiling b\n' }, ...over };
}

async function mount(d: FakeData = data(), size: [number, number] = [80, 24], connect?: (c: FakeClient) => Connector) {
  const c = new FakeClient(d);
  const clock = new FakeClock(T0);
  const ui = renderAt(<Top connect={connect ? connect(c) : async () => c} clock={clock} theme={{ color: false }} />, ...size);
  await ui.frame(/● live/);
  return {
    c,
    clock,
    ui,
    /** Let throttled renders and debounced follows through. */
    async flush(ms = 200) {
      // Twice: a timer's work may answer asynchronously and then publish on the next.
      for (let i = 0; i < 2; i++) {
        clock.advance(ms);
        await tick(20);
      }
    },
  };
}

const selectedRow = (f: string) => f.split('\n').find((l) => l.startsWith('›'));

t.test('the main view: header, type bars, running, queued, finished, workers, log', async (t) => {
  const { ui, flush } = await mount();
  await flush();
  const f = await ui.frame(/compiling b/);
  t.match(f, /^blanket 0\.1\.0 · up 1h2m · pid 1234 · workers 2 · slots 1\/8 +● live/);
  t.match(f, /waiting 1 {2}running 1 {2}ok 0 {2}error 1/);
  t.match(f, /TYPES 3/);
  t.match(f, /RUNNING 1 .*\n› 0mrun001 build +alpha +30s ████░░░░░░  40% nightly · step 2/, 'the worker by name');
  t.match(f, /QUEUED 1 .*\n {2}0mque001 echo +0 ready/);
  t.match(f, /FINISHED 1 .*\n {2}0mfin001 train +ERROR +2/);
  t.match(f, /WORKERS 2 .*\n[ ·] alpha +running +1\/4/);
  t.match(f, /LOG 0mrun001 build RUNNING/);
  ui.app.unmount();
});

t.test('j/k and arrows move the selection; the log pane follows it', async (t) => {
  const { ui, c, flush } = await mount();
  t.match(selectedRow(ui.lastFrame()), /0mrun001/);
  await ui.press('j');
  t.match(selectedRow(await ui.frame((f) => /0mque001/.test(selectedRow(f) ?? ''))), /0mque001/);
  await ui.press(KEY.down);
  await ui.frame((f) => /0mfin001/.test(selectedRow(f) ?? ''));
  await ui.press(KEY.down);
  t.match(selectedRow(ui.lastFrame()), /0mfin001/, 'stops at the last');
  await ui.press('k', KEY.up);
  await ui.frame((f) => /0mrun001/.test(selectedRow(f) ?? ''));
  await tick(20); // effects run after the frame is drawn
  await flush();
  t.same(
    c.named('logs.follow').map((p) => (p as { id: string }).id),
    [RUN.id],
    'only the task the selection rested on is followed',
  );
  ui.app.unmount();
});

t.test('Enter shows the details; Esc goes back', async (t) => {
  const { ui, c, flush } = await mount();
  await ui.press(KEY.enter);
  await flush();
  const f = await ui.frame(/DETAILS 0mrun001/);
  t.match(f, /state +RUNNING/);
  t.match(f, /label +nightly/);
  t.same(c.named('show'), [{ id: RUN.id }]);
  await ui.press(KEY.escape);
  await ui.frame(/RUNNING 1/);
  ui.app.unmount();
});

t.test('l shows the log full screen, following new output', async (t) => {
  const { ui, c, flush } = await mount();
  await flush();
  await ui.press('l');
  await ui.frame(/LOG 0mrun001 build RUNNING {2}following/);
  c.emit({ kind: 'log', id: RUN.id, stream: 'stdout', data: 'linking\n' });
  await flush();
  const f = await ui.frame(/compiling a\ncompiling b\nlinking/);
  t.notMatch(f, /QUEUED/, 'the tables make way');
  await ui.press('l');
  await ui.frame(/QUEUED 1/);
  ui.app.unmount();
});

t.test('scrolled back in the log, new output does not move the lines being read', async (t) => {
  const text = Array.from({ length: 40 }, (_, i) => `out ${i}`).join('\n') + '\n';
  const { ui, c, flush } = await mount(data({ logs: { [RUN.id]: text } }));
  await flush();
  await ui.press('l');
  await ui.frame(/out 39/);
  await ui.press('k', 'k', 'k');
  const before = await ui.frame(/3 lines back/);
  const shown = (f: string) => f.split('\n').filter((l) => /^out \d+$/.test(l));
  c.emit({ kind: 'log', id: RUN.id, stream: 'stdout', data: 'new 1\nnew 2\n' });
  await flush();
  const after = await ui.frame(/5 lines back/);
  t.same(shown(after), shown(before));
  await ui.press('G');
  await ui.frame(/new 2\n/);
  ui.app.unmount();
});

t.test('K asks before killing; y kills the selected task, n keeps it', async (t) => {
  const { ui, c, flush } = await mount();
  await ui.press('K');
  await ui.frame(/Kill 0mrun001 \(build, RUNNING\)\? y to kill, n to keep/);
  await ui.press('n');
  await ui.frame(/q quit/);
  t.same(c.named('kill'), []);
  await ui.press('K', 'y');
  await flush();
  await ui.frame(/stopping 0mrun001/);
  t.same(c.named('kill'), [{ ids: [RUN.id] }]);
  ui.app.unmount();
});

t.test('r reruns the selected task and says the new id', async (t) => {
  const { ui, c, flush } = await mount();
  await ui.press('j', 'j', 'r');
  await flush();
  await ui.frame(/rerun of 0mfin001 is 0mrerun1/);
  t.same(c.named('rerun'), [{ id: FIN.id }]);
  ui.app.unmount();
});

t.test('p pauses and resumes the selected worker', async (t) => {
  const { ui, c, flush } = await mount();
  await ui.press(KEY.tab, 'j', 'p');
  await flush();
  await ui.frame(/paused worker beta/);
  t.same(c.named('worker.pause'), [{ id: 'w2' }]);
  t.match(ui.lastFrame(), /› beta +paused/);
  await ui.press('p');
  await flush();
  await ui.frame(/resumed worker beta/);
  t.same(c.named('worker.resume'), [{ id: 'w2' }]);
  ui.app.unmount();
});

t.test('/ filters the lists by type, label or state', async (t) => {
  const { ui } = await mount();
  await ui.press('/', ...'train', KEY.enter);
  const f = await ui.frame(/filter: train/);
  t.notMatch(f, /0mrun001|0mque001/);
  t.match(f, /› 0mfin001 train/, 'the selection moves to what is left');
  await ui.press('/', KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, ...'state:running', KEY.enter);
  const g = await ui.frame(/filter: state:running/);
  t.match(g, /› 0mrun001/);
  t.notMatch(g, /0mfin001/);
  await ui.press(KEY.escape);
  await ui.frame((x) => !/filter:/.test(x) && /0mfin001/.test(x));
  await ui.press('/echo\r');
  const h = await ui.frame(/filter: echo/);
  t.match(h, /› 0mque001 echo/, 'typed in one read (a paste, or tmux send-keys) works the same');
  ui.app.unmount();
});

t.test('? shows the help; any key closes it', async () => {
  const { ui } = await mount();
  await ui.press('?');
  await ui.frame(/HELP {2}any key closes/);
  await ui.press(' ');
  await ui.frame(/RUNNING 1/);
  ui.app.unmount();
});

t.test('q quits, and so does Ctrl-C', async (t) => {
  for (const key of ['q', KEY.ctrlC]) {
    const { ui, c } = await mount();
    const exited = ui.app.waitUntilExit();
    await ui.press(key);
    await exited;
    await tick(20);
    t.equal(c.closed, true, 'the connection is closed on the way out');
  }
});

t.test('at 80×24 no frame is wider than 80 or taller than 24, whatever is shown', async (t) => {
  const many = [
    ...Array.from({ length: 12 }, (_, i) =>
      running({
        id: `0mr${String(i).padStart(5, '0')}`,
        type: 'a_very_long_type_name_indeed',
        label: 'x'.repeat(200),
        worker: 'a-worker-with-a-long-name',
        progress: { percent: i * 9, message: 'm'.repeat(100), at: T0 },
      }),
    ),
    ...Array.from({ length: 30 }, (_, i) =>
      task({ id: `0mq${String(i).padStart(5, '0')}`, tags: ['gpu', 'cuda', 'lots', 'of', 'tags'], waitingOn: i % 2 ? ['0mr00001', '0mr00002', '0mr00003'] : [] }),
    ),
    ...Array.from({ length: 30 }, (_, i) => finished('TIMEDOUT', { id: `0mf${String(i).padStart(5, '0')}`, type: `type_${i % 9}`, signal: 'SIGKILL' })),
  ];
  const ws = Array.from({ length: 6 }, (_, i) => worker({ id: `w${i}`, name: `worker-number-${i}-long`, tags: Array.from({ length: 20 }, (_, j) => `tag${j}`) }));
  const logs = { '0mr00000': Array.from({ length: 300 }, (_, i) => `${i} ${'y'.repeat(i)}\tz\x1b[2J`).join('\n') };
  const { ui, c, flush } = await mount({ tasks: many, workers: ws, logs });
  await flush();
  await ui.press('?', ' ', KEY.enter);
  await flush();
  await ui.press(KEY.escape, 'l');
  await flush();
  await ui.press('k', 'k', KEY.escape, '/', ...'a_very', KEY.enter, 'K', 'n', KEY.tab, 'j', 'j', 'j', 'j');
  c.drop();
  await flush();
  await ui.frame(/reconnecting/);
  t.ok(ui.frames.length > 10);
  for (const frame of ui.frames) {
    const rows = frame.split('\n');
    t.ok(rows.length <= 24, `${rows.length} rows`);
    const widest = Math.max(...rows.map((r) => [...r].length));
    if (widest > 80) t.fail(`a row of ${widest} columns:\n${rows.find((r) => [...r].length > 80)}`);
  }
  ui.app.unmount();
});

t.test('adapts to a resize, and asks for room below 40×10', async (t) => {
  const { ui } = await mount();
  const before = ui.lastFrame().split('\n').length;
  t.equal(before, 23, 'one row short of the terminal, so it never scrolls');
  ui.resize(120, 40);
  const big = await ui.frame((f) => f.split('\n').length === 39);
  t.ok(Math.max(...big.split('\n').map((r) => [...r].length)) <= 120);
  ui.resize(30, 8);
  await ui.frame(/top needs 40×10, has 30×8/);
  ui.resize(80, 24);
  await ui.frame(/RUNNING 1/);
  ui.app.unmount();
});

t.test('says it is reconnecting when the daemon goes, and reloads when it is back', async (t) => {
  let up = false;
  const second = new FakeClient(data({ tasks: [RUN, QUE, FIN, task({ id: '0mnew001' })] }));
  const { ui, c, clock } = await mount(data(), [80, 24], (first) => async (attempt) => {
    if (attempt === 0) return first;
    if (!up) throw new Error('connect ENOENT');
    return second;
  });
  c.drop();
  clock.advance(100);
  await ui.frame(/reconnecting/);
  await tick(20);
  clock.advance(1000);
  await ui.frame(/reconnecting….*ENOENT/);
  t.match(ui.lastFrame(), /0mrun001/, 'the last known state stays on screen');
  up = true;
  clock.advance(5000);
  await tick(20);
  clock.advance(200);
  const f = await ui.frame(/● live/);
  t.match(f, /QUEUED 2/);
  ui.app.unmount();
});

t.test('an event storm renders a bounded number of frames', async (t) => {
  const { ui, c, clock, flush } = await mount(data({ tasks: [] }));
  await flush();
  const before = ui.frames.length;
  for (let i = 0; i < 1000; i++) {
    c.emit({ kind: 'task', task: task({ updatedAt: clock.now() }), from: null });
    clock.advance(1);
    if (i % 100 === 99) await tick(1);
  }
  await flush();
  await ui.frame(/waiting 1000/);
  const renders = ui.frames.length - before;
  t.ok(renders <= 20, `${renders} frames for 1000 events in one second`);
  ui.app.unmount();
});
