// Every key, in one pure function: (ui, key, what is on screen) → (ui, effects).
// Effects are carried out by the Top component through the feed.
import { isTerminal, type Task } from '../protocol/model.js';
import type { WorkerInfo } from './data.js';
import { moveSelection, type UiState } from './ui-state.js';

/** The parts of Ink's Key that top reads. */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export interface KeyContext {
  taskIds: readonly string[];
  workerIds: readonly string[];
  selectedTask?: Task;
  selectedWorker?: WorkerInfo;
  workers?: readonly WorkerInfo[];
  /** Rows a page key moves. */
  page: number;
  /** How far the log or details view can scroll. */
  scrollMax: number;
}

export type Effect =
  | { type: 'quit' }
  | { type: 'details'; id: string }
  | { type: 'closeDetails' }
  | { type: 'kill'; id: string }
  | { type: 'rerun'; id: string }
  | { type: 'toggleWorker'; worker: WorkerInfo }
  | { type: 'notice'; text: string };

export interface KeyResult {
  ui: UiState;
  effects: Effect[];
}

/**
 * Several characters in one read (typed fast, pasted, or sent by tmux) come
 * as one input: split them into keys, so "/build" + Enter works as typed.
 */
export function splitInput(input: string, key: KeyPress): Array<[string, KeyPress]> {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || input.includes('\x1b')) return [[input, key]];
  return chars.map((ch): [string, KeyPress] => {
    if (ch === '\r' || ch === '\n') return ['', { return: true }];
    if (ch === '\t') return ['', { tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { backspace: true }];
    return [ch, {}];
  });
}

const clamp = (n: number, max: number): number => Math.max(0, Math.min(n, max));

const none = (ui: UiState): KeyResult => ({ ui, effects: [] });

/** Up/down/page/home/end as a step (or an end), undefined for other keys. */
function step(input: string, key: KeyPress, page: number): number | 'first' | 'last' | undefined {
  if (key.upArrow || input === 'k') return -1;
  if (key.downArrow || input === 'j') return 1;
  if (key.pageUp) return -page;
  if (key.pageDown) return page;
  if (key.home || input === 'g') return 'first';
  if (key.end || input === 'G') return 'last';
  return undefined;
}

export function handleKey(ui: UiState, input: string, key: KeyPress, ctx: KeyContext): KeyResult {
  if (key.ctrl && input === 'c') return { ui, effects: [{ type: 'quit' }] };
  switch (ui.mode) {
    case 'filter':
      return filterKey(ui, input, key);
    case 'confirm':
      return confirmKey(ui, input, key);
    case 'help':
      return none({ ...ui, mode: 'main' });
    case 'details':
      return detailsKey(ui, input, key, ctx);
    case 'log':
      return logKey(ui, input, key, ctx);
    case 'main':
      return mainKey(ui, input, key, ctx);
  }
}

function mainKey(ui: UiState, input: string, key: KeyPress, ctx: KeyContext): KeyResult {
  const s = step(input, key, ctx.page);
  if (s !== undefined) {
    return ui.focus === 'workers' ? none({ ...ui, worker: moveSelection(ui.worker, ctx.workerIds, s) }) : none({ ...ui, task: moveSelection(ui.task, ctx.taskIds, s) });
  }
  if (key.tab) return none({ ...ui, focus: ui.focus === 'tasks' && ctx.workerIds.length > 0 ? 'workers' : 'tasks' });
  if (input === 'q') return { ui, effects: [{ type: 'quit' }] };
  if (input === '?') return none({ ...ui, mode: 'help' });
  if (input === '/') return none({ ...ui, mode: 'filter', draft: ui.filter });
  if (key.escape) return none(ui.filter ? { ...ui, filter: '', task: { index: 0 } } : ui);
  if (input === 'p') return pauseKey(ui, ctx);
  const t = ctx.selectedTask;
  const needTask = (what: string): KeyResult => ({ ui, effects: [{ type: 'notice', text: `select a task to ${what}` }] });
  if (key.return) {
    if (ui.focus === 'workers') return none(ui);
    return t ? { ui: { ...ui, mode: 'details', scroll: 0 }, effects: [{ type: 'details', id: t.id }] } : needTask('see its details');
  }
  if (input === 'l') return t ? none({ ...ui, mode: 'log', scroll: 0 }) : needTask('see its log');
  if (input === 'K') {
    if (!t) return needTask('kill');
    if (isTerminal(t.state)) return { ui, effects: [{ type: 'notice', text: `${t.id} has already finished (${t.state})` }] };
    return none({ ...ui, mode: 'confirm', confirm: { action: 'kill', id: t.id } });
  }
  if (input === 'r') return t ? { ui, effects: [{ type: 'rerun', id: t.id }] } : needTask('rerun');
  return none(ui);
}

/** p: the selected worker, or the worker running the selected task. */
function pauseKey(ui: UiState, ctx: KeyContext): KeyResult {
  let w = ui.focus === 'workers' ? ctx.selectedWorker : undefined;
  if (!w && ui.focus === 'tasks' && ctx.selectedTask?.worker !== undefined) {
    const name = ctx.selectedTask.worker;
    w = ctx.workers?.find((x) => x.id === name || x.name === name);
  }
  if (!w) return { ui, effects: [{ type: 'notice', text: 'select a worker (Tab) or a running task to pause or resume its worker' }] };
  return { ui, effects: [{ type: 'toggleWorker', worker: w }] };
}

function filterKey(ui: UiState, input: string, key: KeyPress): KeyResult {
  if (key.return) return none({ ...ui, mode: 'main', filter: ui.draft.trim(), task: { index: 0 } });
  if (key.escape) return none({ ...ui, mode: 'main', draft: '' });
  if (key.backspace || key.delete) return none({ ...ui, draft: [...ui.draft].slice(0, -1).join('') });
  if (key.ctrl && input === 'u') return none({ ...ui, draft: '' });
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return none(ui);
  // eslint-disable-next-line no-control-regex
  const printable = input.replace(/[\x00-\x1f\x7f]/g, '');
  return none({ ...ui, draft: ui.draft + printable });
}

function confirmKey(ui: UiState, input: string, key: KeyPress): KeyResult {
  const back = { ...ui, mode: 'main' as const };
  delete back.confirm;
  if ((input === 'y' || input === 'Y' || key.return) && ui.confirm) return { ui: back, effects: [{ type: 'kill', id: ui.confirm.id }] };
  if (input === 'n' || input === 'N' || input === 'q' || key.escape) return none(back);
  return none(ui);
}

function detailsKey(ui: UiState, input: string, key: KeyPress, ctx: KeyContext): KeyResult {
  if (key.escape || key.return || input === 'q' || key.backspace) return { ui: { ...ui, mode: 'main', scroll: 0 }, effects: [{ type: 'closeDetails' }] };
  if (input === 'l') return { ui: { ...ui, mode: 'log', scroll: 0 }, effects: [{ type: 'closeDetails' }] };
  const s = step(input, key, ctx.page);
  if (s === 'first') return none({ ...ui, scroll: 0 });
  if (s === 'last') return none({ ...ui, scroll: ctx.scrollMax });
  if (typeof s === 'number') return none({ ...ui, scroll: clamp(ui.scroll + s, ctx.scrollMax) });
  return none(ui);
}

function logKey(ui: UiState, input: string, key: KeyPress, ctx: KeyContext): KeyResult {
  if (key.escape || input === 'q' || input === 'l') return none({ ...ui, mode: 'main', scroll: 0 });
  if (key.return && ctx.selectedTask) return { ui: { ...ui, mode: 'details', scroll: 0 }, effects: [{ type: 'details', id: ctx.selectedTask.id }] };
  const s = step(input, key, ctx.page);
  // Scroll counts back from the end: up goes further back.
  if (s === 'first') return none({ ...ui, scroll: ctx.scrollMax });
  if (s === 'last') return none({ ...ui, scroll: 0 });
  if (typeof s === 'number') return none({ ...ui, scroll: clamp(ui.scroll - s, ctx.scrollMax) });
  return none(ui);
}
