// Log lines as the daemon and the workers write them: one JSON object per line,
// `{"level":"info","time":"<ISO>","pid":…,<bindings>,<fields>,"msg":"…"}` (the format pino
// wrote, which core/logline.ts parses). Pure, and never throws: a value that cannot be
// written as JSON (a cycle, a BigInt, a throwing getter) is written as what can be said of it.
import type { LogLevel } from './logline.js';

export type LogFields = Record<string, unknown>;

/** Levels by rank, as pino numbered them; a logger writes lines at or above its own. */
export const LEVEL_RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Keys every line has: a field or binding with one of these names is written as `<name>_`. */
const RESERVED = new Set(['level', 'time', 'msg']);

/** Nesting below this is written as "[Object]" / "[Array]". */
const MAX_DEPTH = 8;

/** An Error as a plain object: its type, message, stack and own fields (e.g. `code`), and its cause. */
function errorObject(e: Error, seen: object[], depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.constructor?.name ?? e.name ?? 'Error', message: e.message, stack: e.stack };
  for (const k of Object.keys(e)) if (!(k in out)) out[k] = plain(read(e, k), seen, depth + 1);
  if (e.cause !== undefined && !('cause' in out)) out.cause = plain(e.cause, seen, depth + 1);
  return out;
}

function read(o: object, k: string): unknown {
  try {
    return (o as Record<string, unknown>)[k];
  } catch (err) {
    return `[unreadable: ${err instanceof Error ? err.message : String(err)}]`;
  }
}

/** A value JSON.stringify can write as it is; `seen` are the objects enclosing it (cycles). */
export function plain(v: unknown, seen: object[] = [], depth = 0): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v.toString();
    case 'undefined':
      return undefined;
    case 'symbol':
      return v.toString();
    case 'function':
      return `[Function ${v.name || 'anonymous'}]`;
    case 'object':
      break;
  }
  if (v === null) return null;
  const o = v as object;
  if (seen.includes(o)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(o) ? '[Array]' : '[Object]';
  seen.push(o);
  try {
    if (o instanceof Error) return errorObject(o, seen, depth);
    if (Array.isArray(o)) return o.map((x) => plain(x, seen, depth + 1) ?? null);
    if (o instanceof Map) return plain(Object.fromEntries(o), seen, depth);
    if (o instanceof Set) return plain([...o], seen, depth);
    const toJSON = read(o, 'toJSON');
    if (typeof toJSON === 'function') {
      seen.pop();
      return plain(toJSON.call(o), seen, depth + 1);
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      const x = plain(read(o, k), seen, depth + 1);
      if (x !== undefined) out[k] = x;
    }
    return out;
  } catch (err) {
    return `[unserialisable: ${err instanceof Error ? err.message : String(err)}]`;
  } finally {
    if (seen.at(-1) === o) seen.pop();
  }
}

/** `,"k":v` for each field that has a value, in order: bindings are made once with this, fields per line. */
export function jsonFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const k of Object.keys(fields)) {
    let json: string | undefined;
    try {
      json = JSON.stringify(plain(fields[k]));
    } catch (err) {
      json = JSON.stringify(`[unserialisable: ${err instanceof Error ? err.message : String(err)}]`);
    }
    if (json === undefined) continue;
    out += `,${JSON.stringify(RESERVED.has(k) ? `${k}_` : k)}:${json}`;
  }
  return out;
}

/** One line, newline included. `bindings` is what jsonFields made of the logger's bindings (pid first). */
export function formatLogLine(level: LogLevel, timeMs: number, bindings: string, msg: string, fields?: LogFields): string {
  let time: string;
  try {
    time = new Date(timeMs).toISOString();
  } catch {
    time = String(timeMs);
  }
  return `{"level":"${level}","time":"${time}"${bindings}${jsonFields(fields)},"msg":${JSON.stringify(String(msg))}}\n`;
}
