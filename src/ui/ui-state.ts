// What the person at the keyboard has chosen: mode, focus, selection,
// filter. Changed only by handleKey (keys.ts).

export type Mode = 'main' | 'details' | 'log' | 'help' | 'filter' | 'confirm';
export type Focus = 'tasks' | 'workers';

/**
 * A selection sticks to an id; when that id leaves the list it falls back to
 * the index it had. With no id yet it stays on `index` (the top row follows new work).
 */
export interface Selection {
  id?: string;
  index: number;
}

export interface UiState {
  mode: Mode;
  focus: Focus;
  task: Selection;
  worker: Selection;
  /** The applied filter (see filter.ts). */
  filter: string;
  /** The filter being typed. */
  draft: string;
  confirm?: { action: 'kill'; id: string };
  /** Log view: lines scrolled back from the end (0 follows). Details view: lines from the top. */
  scroll: number;
}

export function initialUi(filter = ''): UiState {
  return { mode: 'main', focus: 'tasks', task: { index: 0 }, worker: { index: 0 }, filter, draft: '', scroll: 0 };
}

export function resolveIndex(sel: Selection, ids: readonly string[]): number {
  if (ids.length === 0) return -1;
  if (sel.id !== undefined) {
    const i = ids.indexOf(sel.id);
    if (i >= 0) return i;
  }
  return Math.min(Math.max(0, sel.index), ids.length - 1);
}

export function moveSelection(sel: Selection, ids: readonly string[], to: number | 'first' | 'last'): Selection {
  if (ids.length === 0) return { index: 0 };
  const cur = resolveIndex(sel, ids);
  const idx = to === 'first' ? 0 : to === 'last' ? ids.length - 1 : Math.min(Math.max(0, cur + to), ids.length - 1);
  return { id: ids[idx]!, index: idx };
}
