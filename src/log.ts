// Structured logs for the daemon and the workers: pino, one JSON object per
// line, written in-process (no transport thread) to a size-rotated file.
// Lines carry `task` and `worker` ids as fields, so they can be filtered.
import path from 'node:path';
import { createRequire } from 'node:module';
import type { LogLevel } from './core/logline.js';

export type Level = LogLevel;
export type Fields = Record<string, unknown>;

export interface Logger {
  log(level: Level, msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger whose every line also carries `bindings` (e.g. `{ worker: 'local' }`). */
  child(bindings: Fields): Logger;
  /** Write out what is buffered and close the file. Later lines go to stderr. */
  close(): Promise<void>;
}

interface PinoLike {
  [level: string]: unknown;
  child(bindings: Fields): PinoLike;
}

interface Sink {
  write(line: string): void;
  close(): Promise<void>;
}

// CommonJS packages load with require(): faster than the ESM wrapper, and lazily.
const requireCjs = createRequire(import.meta.url);

function wrap(p: PinoLike, sink: Sink): Logger {
  const log = (level: Level, msg: string, fields?: Fields) => (p[level] as (o: Fields, m: string) => void).call(p, fields ?? {}, msg);
  return {
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (bindings) => wrap(p.child(bindings), sink),
    close: () => sink.close(),
  };
}

function make(sink: Sink, opts: { level?: Level; bindings?: Fields; now?: () => number }): Logger {
  const pino = requireCjs('pino') as typeof import('pino').default;
  const now = opts.now;
  const p = pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid, ...(opts.bindings ?? {}) },
      timestamp: now ? () => `,"time":"${new Date(now()).toISOString()}"` : pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    },
    { write: (line: string) => sink.write(line) },
  );
  return wrap(p as unknown as PinoLike, sink);
}

/** A logger writing each line to `write` (stderr by default): for tests and foreground use. */
export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), now?: () => number, opts: { level?: Level; bindings?: Fields } = {}): Logger {
  return make({ write, close: async () => {} }, { ...opts, ...(now ? { now } : {}) });
}

export interface FileLoggerOptions {
  /** The log file, e.g. logs/daemon.log; rotated ones are daemon.log.1 (newest) … daemon.log.N. */
  file: string;
  maxBytes: number;
  keep: number;
  level?: Level;
  bindings?: Fields;
  /** Also write every line to stderr (a daemon in the foreground, on a terminal). */
  tee?: boolean;
  /** After the file failed, try it again this long after (default 5 s). */
  reopenAfterMs?: number;
}

/** After the file failed (a full disk, say), try it again this long after. */
const REOPEN_AFTER_MS = 5000;

/**
 * A logger writing to a size-rotated file. If the file cannot be written (a full disk), lines go
 * to stderr meanwhile and the file is tried again a few seconds later: a log line may be lost,
 * never the process.
 */
export function createFileLogger(opts: FileLoggerOptions): Logger {
  const { createStream } = requireCjs('rotating-file-stream') as typeof import('rotating-file-stream');
  let stream: import('rotating-file-stream').RotatingFileStream | undefined;
  let failedAt: number | undefined;
  let closed = false;
  const open = () => {
    const s = createStream(path.basename(opts.file), {
      path: path.dirname(opts.file),
      size: `${Math.max(1024, Math.floor(opts.maxBytes))}B`,
      rotate: Math.max(1, Math.floor(opts.keep)),
      mode: 0o600, // logs name tasks and their errors: the user's alone, whatever the umask
    });
    s.on('error', (err: Error) => {
      if (stream !== s) return;
      stream = undefined;
      failedAt = Date.now();
      s.destroy();
      try {
        process.stderr.write(
          `blanket: cannot write ${opts.file} (${err.message}); logging to stderr, trying the file again in ${(opts.reopenAfterMs ?? REOPEN_AFTER_MS) / 1000}s\n`,
        );
      } catch {
        // nowhere to say it
      }
    });
    s.on('warning', () => {});
    stream = s;
  };
  open();
  const sink: Sink = {
    write(line) {
      if (!stream && !closed && failedAt !== undefined && Date.now() - failedAt >= (opts.reopenAfterMs ?? REOPEN_AFTER_MS)) {
        failedAt = undefined;
        open();
      }
      if (stream && !stream.destroyed) stream.write(line);
      else process.stderr.write(line);
      if (opts.tee && stream) process.stderr.write(line);
    },
    close() {
      closed = true;
      const s = stream;
      stream = undefined;
      if (!s || s.destroyed) return Promise.resolve();
      return new Promise((resolve) => s.end(() => resolve()));
    },
  };
  return make(sink, opts);
}

/** Rotated files of a log, newest last: daemon.log.N … daemon.log.1, then daemon.log. */
export function rotatedFiles(file: string, keep = 100): string[] {
  return [...Array.from({ length: keep }, (_, i) => `${file}.${keep - i}`), file];
}
