// Daemon log lines: JSON, one per line, to the daemon's stderr (a file in the home).

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), now = () => Date.now()): Logger {
  const log = (level: Level, msg: string, fields: Record<string, unknown> = {}) => {
    write(JSON.stringify({ time: new Date(now()).toISOString(), level, pid: process.pid, msg, ...fields }) + '\n');
  };
  return {
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
