// A task's output as lines safe to draw: escape sequences and control
// characters removed (a task's own colours or cursor moves must not break the
// dashboard), carriage returns keep what was drawn last, and only the last
// LOG_LINES are kept.

export const LOG_LINES = 1000;

export type Stream = 'stdout' | 'stderr';

export interface LogLine {
  text: string;
  stream: Stream;
}

export interface LogView {
  id: string;
  lines: LogLine[];
  /** Lines started since the tail was loaded (keeps counting past LOG_LINES): lets a scrolled-back view stay put. */
  total: number;
  /** The stream whose last line has no newline yet. */
  open?: Stream;
  /** The open line ended with a carriage return: the next output overwrites it. */
  returned?: boolean;
  loading: boolean;
  error?: string;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Drop escape sequences and control characters; tabs become spaces. */
export function clean(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\t/g, '    ').replace(CONTROLS, '');
}

export function emptyLog(id: string): LogView {
  return { id, lines: [], total: 0, loading: true };
}

/** Add a chunk of output from one stream. */
export function appendText(view: LogView, text: string, stream: Stream): LogView {
  if (text === '') return view;
  const parts = text.split('\n');
  const endsOpen = parts[parts.length - 1] !== '';
  if (!endsOpen) parts.pop();
  const lines = view.lines.slice();
  let returned = false;
  let added = 0;
  parts.forEach((part, i) => {
    const open = i === parts.length - 1 && endsOpen;
    // "\r\n" ends a line; a "\r" elsewhere returns to its start, so what follows overwrites it.
    let body = !open && part.endsWith('\r') ? part.slice(0, -1) : part;
    const last = lines[lines.length - 1];
    const continues = i === 0 && view.open === stream && last !== undefined;
    if (continues && !view.returned) body = last.text + body;
    returned = open && body.endsWith('\r');
    if (returned) body = body.slice(0, -1);
    const cr = body.lastIndexOf('\r');
    const line = { text: clean(cr >= 0 ? body.slice(cr + 1) : body), stream };
    if (continues) lines[lines.length - 1] = line;
    else {
      lines.push(line);
      added++;
    }
  });
  const next: LogView = { ...view, lines: lines.length > LOG_LINES ? lines.slice(-LOG_LINES) : lines, total: view.total + added };
  delete next.open;
  delete next.returned;
  if (endsOpen) next.open = stream;
  if (returned) next.returned = true;
  return next;
}

/** The tail fetched with `logs`: replaces what was there. */
export function setTail(view: LogView, text: string): LogView {
  const { open: _o, returned: _r, error: _e, ...rest } = view;
  return { ...appendText({ ...rest, lines: [], total: 0 }, text, 'stdout'), loading: false };
}
