// Pure renderer for the daemon's and workers' JSON log lines:
// `2025-03-01 12:00:00.123 WARN  worker died; restarting  worker=local delayMs=200`.
import { parseLogLine, type LogEntry } from '../../core/logline.js';
import { dim, red, yellow } from '../style.js';

/** Fields every line has, left out of the human form (--json keeps them). */
const QUIET_FIELDS = new Set(['pid', 'hostname']);

const pad2 = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time as `YYYY-MM-DD HH:MM:SS.mmm`; `utc` for tests and machines in other zones. */
export function formatLogTime(ms: number, utc = false): string {
  const d = new Date(ms);
  const [y, mo, da, h, mi, s, milli] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${y}-${pad2(mo)}-${pad2(da)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}.${pad2(milli, 3)}`;
}

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

function levelText(level: LogEntry['level']): string {
  const t = level.toUpperCase().padEnd(5);
  if (level === 'error' || level === 'fatal') return red(t);
  if (level === 'warn') return yellow(t);
  if (level === 'debug' || level === 'trace') return dim(t);
  return t;
}

/**
 * One entry for people: time, level, message, then `key=value` fields. A string field
 * that spans lines (a stack trace) follows on its own indented lines.
 */
export function renderLogEntry(e: LogEntry, opts: { utc?: boolean } = {}): string {
  const inline: string[] = [];
  const blocks: string[] = [];
  for (const [k, v] of Object.entries(e.fields)) {
    if (QUIET_FIELDS.has(k)) continue;
    if (typeof v === 'string' && v.includes('\n'))
      blocks.push(
        `  ${dim(`${k}:`)}`,
        ...v
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `    ${l}`),
      );
    else inline.push(`${dim(`${k}=`)}${fieldValue(v)}`);
  }
  const time = e.time !== undefined ? formatLogTime(e.time, opts.utc) : '-'.padEnd(23);
  const head = [dim(time), levelText(e.level), e.msg, ...(inline.length ? [' ' + inline.join(' ')] : [])].join(' ');
  return [head, ...blocks].join('\n');
}

/** A raw line for people: our JSON lines rendered, anything else (crash output) as it is. */
export function renderLogLine(line: string, opts: { utc?: boolean } = {}): string {
  const e = parseLogLine(line);
  return e ? renderLogEntry(e, opts) : line;
}

export function renderLogLines(lines: string[], opts: { utc?: boolean } = {}): string {
  return lines.map((l) => renderLogLine(l, opts)).join('\n');
}
