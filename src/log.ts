// Structured logs for the daemon and the workers: one JSON object per line (core/logformat.ts),
// written in-process to a size-rotated file. Lines carry `task` and `worker` ids as fields, so
// they can be filtered. Lines are buffered for one turn of the event loop and written with one
// synchronous write; what is buffered is written out on close and when the process exits (also
// on an uncaught exception), so a crash's last lines reach the file.
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { formatLogLine, jsonFields, LEVEL_RANK } from './core/logformat.js';
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

interface Sink {
  write(line: string): void;
  close(): Promise<void>;
}

function stderr(s: string): void {
  try {
    process.stderr.write(s);
  } catch {
    // nowhere to say it
  }
}

function make(sink: Sink, min: number, bindings: string, now: () => number): Logger {
  const log = (level: Level, msg: string, fields?: Fields) => {
    if (LEVEL_RANK[level] < min) return;
    try {
      sink.write(formatLogLine(level, now(), bindings, msg, fields));
    } catch {
      // a log line may be lost, never the process
    }
  };
  return {
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (more) => make(sink, min, bindings + jsonFields(more), now),
    close: () => sink.close(),
  };
}

function start(sink: Sink, opts: { level?: Level; bindings?: Fields; now?: () => number }): Logger {
  return make(sink, LEVEL_RANK[opts.level ?? 'info'] ?? LEVEL_RANK.info, jsonFields({ pid: process.pid, ...(opts.bindings ?? {}) }), opts.now ?? Date.now);
}

/** A logger writing each line to `write` (stderr by default): for tests and foreground use. */
export function createLogger(write: (line: string) => void = stderr, now?: () => number, opts: { level?: Level; bindings?: Fields } = {}): Logger {
  return start({ write, close: async () => {} }, { ...opts, ...(now ? { now } : {}) });
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
/** Buffered beyond this, lines are written at once rather than at the end of the turn. */
const FLUSH_BYTES = 64 * 1024;

/** The file side of a file logger: append, rotate by size, fall back to stderr while the file fails. */
class RotatingFile implements Sink {
  private fd: number | undefined;
  private size = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;
  private failedAt: number | undefined;
  private closed = false;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly reopenAfterMs: number;
  private readonly onExit = () => this.flush();

  constructor(private readonly opts: FileLoggerOptions) {
    this.maxBytes = Math.max(1024, Math.floor(opts.maxBytes));
    this.keep = Math.max(1, Math.floor(opts.keep));
    this.reopenAfterMs = opts.reopenAfterMs ?? REOPEN_AFTER_MS;
    this.open();
    process.on('exit', this.onExit);
  }

  write(line: string): void {
    if (this.closed) return stderr(line);
    // While the file fails, lines go to stderr as they come, until it is time to try the file again.
    if (this.fd === undefined && this.failedAt !== undefined && Date.now() - this.failedAt < this.reopenAfterMs) return stderr(line);
    if (this.opts.tee && this.fd !== undefined) stderr(line);
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush()).unref();
    }
  }

  close(): Promise<void> {
    this.flush();
    this.closed = true;
    process.off('exit', this.onExit);
    if (this.fd !== undefined) this.closeFd();
    return Promise.resolve();
  }

  /** Write out what is buffered, rotating before a line that would take the file past its size. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (this.fd === undefined && this.failedAt !== undefined && Date.now() - this.failedAt >= this.reopenAfterMs) this.open();
    let i = 0;
    try {
      while (i < lines.length && this.fd !== undefined) {
        let chunk = '';
        let bytes = 0;
        for (; i < lines.length; i++) {
          const n = Buffer.byteLength(lines[i]!);
          if (this.size + bytes + n > this.maxBytes && (this.size > 0 || bytes > 0)) break;
          chunk += lines[i];
          bytes += n;
        }
        if (bytes > 0) this.append(chunk);
        if (i < lines.length) this.rotate();
      }
    } catch (err) {
      this.fail(err as Error);
    }
    if (i < lines.length) stderr(lines.slice(i).join(''));
  }

  private append(chunk: string): void {
    const buf = Buffer.from(chunk);
    for (let off = 0; off < buf.length;) off += writeSync(this.fd!, buf, off, buf.length - off);
    this.size += buf.length;
  }

  /** daemon.log.(N-1) → .N, …, daemon.log → .1, and a new daemon.log. */
  private rotate(): void {
    const f = this.opts.file;
    this.closeFd();
    for (let n = this.keep - 1; n >= 1; n--) {
      try {
        renameSync(`${f}.${n}`, `${f}.${n + 1}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    renameSync(f, `${f}.1`);
    this.openFile();
  }

  private openFile(): void {
    mkdirSync(path.dirname(this.opts.file), { recursive: true, mode: 0o700 });
    // logs name tasks and their errors: the user's alone, whatever the umask
    this.fd = openSync(this.opts.file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private open(): void {
    this.failedAt = undefined;
    try {
      this.openFile();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private closeFd(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already gone
      }
    }
  }

  private fail(err: Error): void {
    this.closeFd();
    this.failedAt = Date.now();
    stderr(`blanket: cannot write ${this.opts.file} (${err.message}); logging to stderr, trying the file again in ${this.reopenAfterMs / 1000}s\n`);
  }
}

/**
 * A logger writing to a size-rotated file. If the file cannot be written (a full disk), lines go
 * to stderr meanwhile and the file is tried again a few seconds later: a log line may be lost,
 * never the process.
 */
export function createFileLogger(opts: FileLoggerOptions): Logger {
  return start(new RotatingFile(opts), opts);
}

/** Rotated files of a log, newest last: daemon.log.N … daemon.log.1, then daemon.log. */
export function rotatedFiles(file: string, keep = 100): string[] {
  return [...Array.from({ length: keep }, (_, i) => `${file}.${keep - i}`), file];
}
