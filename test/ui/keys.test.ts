import t from 'tap';
import { handleKey, splitInput, type KeyContext, type KeyPress } from '../../src/ui/keys.js';
import { initialUi, type UiState } from '../../src/ui/ui-state.js';
import { finished, running, task, worker } from './helpers/fixtures.js';

const r = running({ id: '0mrun001', worker: 'w1' });
const q = task({ id: '0mque001' });
const f = finished('SUCCESS', { id: '0mfin001' });
const w1 = worker({ id: 'w1', name: 'alpha' });
const w2 = worker({ id: 'w2', name: 'beta', state: 'paused' });
const ctx = (over: Partial<KeyContext> = {}): KeyContext => ({
  taskIds: [r.id, q.id, f.id],
  workerIds: [w1.id, w2.id],
  selectedTask: r,
  selectedWorker: w1,
  workers: [w1, w2],
  page: 5,
  scrollMax: 20,
  ...over,
});
const press = (ui: UiState, input: string, key: KeyPress = {}, c = ctx()) => handleKey(ui, input, key, c);

t.test('selection moves with arrows and j/k, sticks to an id, stops at the ends', async (t) => {
  let ui = initialUi();
  ui = press(ui, 'j').ui;
  t.same(ui.task, { id: q.id, index: 1 });
  ui = press(ui, '', { downArrow: true }).ui;
  ui = press(ui, '', { downArrow: true }).ui;
  t.same(ui.task, { id: f.id, index: 2 });
  ui = press(ui, 'k').ui;
  ui = press(ui, '', { upArrow: true }).ui;
  ui = press(ui, '', { upArrow: true }).ui;
  t.same(ui.task, { id: r.id, index: 0 });
  t.same(press(ui, 'G').ui.task, { id: f.id, index: 2 });
  t.same(press(ui, '', { pageDown: true }).ui.task.index, 2);
});

t.test('Tab moves the keyboard to the workers and back', async (t) => {
  let ui = press(initialUi(), '', { tab: true }).ui;
  t.equal(ui.focus, 'workers');
  ui = press(ui, 'j').ui;
  t.same(ui.worker, { id: w2.id, index: 1 });
  t.same(ui.task, { index: 0 }, 'the task selection stays');
  t.equal(press(ui, '', { tab: true }).ui.focus, 'tasks');
  t.equal(press(initialUi(), '', { tab: true }, ctx({ workerIds: [] })).ui.focus, 'tasks', 'no workers, nothing to focus');
});

t.test('Enter opens details, l the log, and both close again', async (t) => {
  const d = press(initialUi(), '', { return: true });
  t.equal(d.ui.mode, 'details');
  t.same(d.effects, [{ type: 'details', id: r.id }]);
  t.same(press(d.ui, '', { escape: true }).effects, [{ type: 'closeDetails' }]);
  t.equal(press(d.ui, 'q').ui.mode, 'main', 'q closes an overlay rather than quitting');
  t.equal(press(d.ui, 'j').ui.scroll, 1);
  t.equal(press({ ...d.ui, scroll: 20 }, 'j').ui.scroll, 20, 'scroll stops at the end');
  const l = press(initialUi(), 'l');
  t.equal(l.ui.mode, 'log');
  t.equal(press(l.ui, 'k').ui.scroll, 1, 'up goes back in the log');
  t.equal(press({ ...l.ui, scroll: 7 }, 'G').ui.scroll, 0, 'G follows again');
  t.equal(press(l.ui, 'l').ui.mode, 'main');
  t.same(press(initialUi(), 'l', {}, ctx({ selectedTask: undefined })).effects, [{ type: 'notice', text: 'select a task to see its log' }]);
});

t.test('K asks, y kills, n keeps; finished tasks are not killed', async (t) => {
  const k = press(initialUi(), 'K');
  t.equal(k.ui.mode, 'confirm');
  t.same(k.ui.confirm, { action: 'kill', id: r.id });
  t.same(k.effects, []);
  const yes = press(k.ui, 'y');
  t.same(yes.effects, [{ type: 'kill', id: r.id }]);
  t.equal(yes.ui.mode, 'main');
  t.notOk(yes.ui.confirm);
  const no = press(k.ui, 'n');
  t.same(no.effects, []);
  t.equal(no.ui.mode, 'main');
  t.equal(press(k.ui, 'x').ui.mode, 'confirm', 'other keys leave the question open');
  t.match(press(initialUi(), 'K', {}, ctx({ selectedTask: f })).effects, [{ type: 'notice', text: /already finished/ }]);
});

t.test('r reruns the selected task', async (t) => {
  t.same(press(initialUi(), 'r', {}, ctx({ selectedTask: f })).effects, [{ type: 'rerun', id: f.id }]);
});

t.test('p toggles the selected worker, or the worker of the selected task', async (t) => {
  t.same(press(initialUi(), 'p').effects, [{ type: 'toggleWorker', worker: w1 }], 'the running task’s worker');
  const onWorkers = { ...initialUi(), focus: 'workers' as const };
  t.same(press(onWorkers, 'p', {}, ctx({ selectedWorker: w2 })).effects, [{ type: 'toggleWorker', worker: w2 }]);
  t.match(press(initialUi(), 'p', {}, ctx({ selectedTask: q })).effects, [{ type: 'notice' }]);
});

t.test('/ edits a filter: typing, backspace, Enter applies, Esc cancels, Esc clears', async (t) => {
  let ui = press(initialUi(), '/').ui;
  t.equal(ui.mode, 'filter');
  for (const ch of 'echox') ui = press(ui, ch).ui;
  ui = press(ui, '', { backspace: true }).ui;
  t.equal(ui.draft, 'echo');
  t.equal(press(ui, 'q').ui.draft, 'echoq', 'q is text while typing');
  const applied = press(ui, '', { return: true }).ui;
  t.equal(applied.filter, 'echo');
  t.equal(applied.mode, 'main');
  const cancelled = press(ui, '', { escape: true }).ui;
  t.equal(cancelled.filter, '');
  t.equal(press(applied, '', { escape: true }).ui.filter, '', 'Esc on the main view clears the filter');
  t.equal(press(press(applied, '/').ui, '').ui.draft, 'echo', 'editing starts from the applied filter');
});

t.test('? opens help and any key closes it; q and Ctrl-C quit', async (t) => {
  const h = press(initialUi(), '?').ui;
  t.equal(h.mode, 'help');
  t.equal(press(h, 'x').ui.mode, 'main');
  t.same(press(initialUi(), 'q').effects, [{ type: 'quit' }]);
  t.same(press(initialUi(), 'c', { ctrl: true }).effects, [{ type: 'quit' }]);
  t.same(press({ ...initialUi(), mode: 'filter' }, 'c', { ctrl: true }).effects, [{ type: 'quit' }], 'Ctrl-C quits from any mode');
});

t.test('several characters in one read are split into keys', async (t) => {
  t.same(splitInput('/ab\r', {}), [
    ['/', {}],
    ['a', {}],
    ['b', {}],
    ['', { return: true }],
  ]);
  t.same(splitInput('x\x7f\t', {}), [
    ['x', {}],
    ['', { backspace: true }],
    ['', { tab: true }],
  ]);
  t.same(splitInput('j', {}), [['j', {}]]);
  t.same(splitInput('\x1b[A', { upArrow: true }), [['\x1b[A', { upArrow: true }]], 'escape sequences stay whole');
});
