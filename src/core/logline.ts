// Lines of the daemon's and workers' logs: JSON objects, one per line (core/logformat.ts writes them;
// numeric levels are read too, as older pino-written logs have them).
// Parsing and level filtering, pure (rendering for people is in cli/render/logs.ts).

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  /** Epoch ms, when the line has a readable time. */
  time?: number;
  level: LogLevel | 'fatal' | 'trace';
  msg: string;
  /** Everything else on the line (task, worker, err, …), in order. */
  fields: Record<string, unknown>;
}

const PINO_NUMBERS: Record<number, LogEntry['level']> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const RANK: Record<LogEntry['level'], number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** A log line as an entry; undefined for a line that is not one of ours (e.g. a crash's stack trace). */
export function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const { time, level, msg, ...fields } = o;
  const lv = typeof level === 'number' ? PINO_NUMBERS[level] : typeof level === 'string' && level in RANK ? (level as LogEntry['level']) : undefined;
  if (lv === undefined) return undefined;
  const t = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN;
  return { ...(Number.isFinite(t) ? { time: t } : {}), level: lv, msg: typeof msg === 'string' ? msg : '', fields };
}

/** Does a line pass a minimum level? Lines that are not entries (crash output) always pass. */
export function lineAtLeast(line: string, min: LogLevel | undefined): boolean {
  if (min === undefined || min === 'debug') return true;
  const e = parseLogLine(line);
  return e === undefined || RANK[e.level] >= RANK[min];
}
