// Reading the daemon's and workers' own logs, which rotate: the last lines
// (across rotated files, filtered by level) and following across rotations.
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { LogLevel } from '../core/logline.js';
import { lineAtLeast } from '../core/logline.js';
import { rotatedFiles } from '../log.js';

/** Rotated files are read back to this many; rotation keeps at most 100. */
const MAX_ROTATED = 100;

/** Lines of one file from its end, newest first, until `want` returns false. */
function linesBackwards(file: string, each: (line: string) => boolean, maxBytes: number): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return;
  }
  try {
    let pos = fstatSync(fd).size;
    let rest = Buffer.alloc(0);
    let read = 0;
    while (pos > 0 && read < maxBytes) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      read += len;
      let chunk = Buffer.concat([buf, rest]);
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 10) continue;
        const line = chunk.subarray(i + 1).toString('utf8');
        chunk = chunk.subarray(0, i);
        if (line !== '' && !each(line)) return;
      }
      rest = chunk;
    }
    if (pos === 0 && rest.length > 0) each(rest.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `lines` lines of a log at or above `level`, oldest first, reading
 * back through its rotated files (file.1, file.2, …) when the current one has too few.
 */
export function lastLogLines(file: string, lines: number, level?: LogLevel, maxBytes = 256 * 1024 * 1024): string[] {
  const out: string[] = [];
  if (lines <= 0) return out;
  let budget = maxBytes;
  for (const f of rotatedFiles(file, MAX_ROTATED).reverse()) {
    let size: number;
    try {
      size = statSync(f).size;
    } catch {
      if (f === file) continue;
      break; // rotated files are numbered without gaps
    }
    linesBackwards(
      f,
      (line) => {
        if (lineAtLeast(line, level)) out.push(line);
        return out.length < lines;
      },
      budget,
    );
    budget -= size;
    if (out.length >= lines || budget <= 0) break;
  }
  return out.reverse();
}

/** A line that does not fit this page: the cursor stays at its end. */
type Take = 'more' | 'enough' | 'full';

/**
 * Lines of one file backwards from `end` (exclusive), newest first, read asynchronously in chunks.
 * Returns where a next page would continue (0: the file is done).
 */
async function linesBackwardsAsync(file: string, end: number | undefined, each: (line: string) => Take): Promise<number> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return 0;
  }
  try {
    let pos = Math.min(end ?? Infinity, (await fh.stat()).size);
    let rest = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      let chunk = Buffer.concat([buf, rest]);
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 10) continue;
        const lineEnd = pos + chunk.length;
        const line = chunk.subarray(i + 1).toString('utf8');
        if (line !== '') {
          const take = each(line);
          if (take === 'full') return lineEnd;
          if (take === 'enough') return pos + i + 1;
        }
        chunk = chunk.subarray(0, i);
      }
      rest = chunk;
    }
    if (rest.length > 0 && each(rest.toString('utf8')) === 'full') return rest.length;
    return 0;
  } finally {
    await fh.close();
  }
}

export interface LogLinesPage {
  /** Oldest first. */
  lines: string[];
  /** Where older lines continue (`file index:offset`), when the byte budget ended the page first. */
  before?: string;
}

/**
 * Like lastLogLines, a page at a time for the daemon: at most `maxBytes` of lines (always at least
 * one), read asynchronously; `before` (from the previous page) continues further back.
 */
export async function logLinesPage(file: string, lines: number, level: LogLevel | undefined, maxBytes: number, before?: string): Promise<LogLinesPage> {
  const out: string[] = [];
  const files = rotatedFiles(file, MAX_ROTATED).reverse();
  let [index, offset] = before ? (before.split(':').map(Number) as [number, number | undefined]) : [0, undefined];
  let bytes = 0;
  for (; index < files.length && out.length < lines; index++, offset = undefined) {
    const f = files[index]!;
    try {
      statSync(f);
    } catch {
      if (index === 0) continue;
      break; // rotated files are numbered without gaps
    }
    const stop = await linesBackwardsAsync(f, offset, (line) => {
      if (!lineAtLeast(line, level)) return 'more';
      if (out.length > 0 && bytes + line.length + 1 > maxBytes) return 'full';
      out.push(line);
      bytes += line.length + 1;
      return out.length < lines ? 'more' : 'enough';
    });
    if (out.length < lines && stop > 0) return { lines: out.reverse(), before: `${index}:${stop}` };
  }
  return { lines: out.reverse() };
}

/**
 * Follow a log from its current end, across rotations (like `tail -F`): `onLine` gets
 * each complete new line. Watches the directory, so a renamed file and its successor are
 * both seen. Returns a stop function.
 */
export function followLog(file: string, onLine: (line: string) => void, opts: { persistent?: boolean } = {}): { stop(): void } {
  let fd: number | undefined;
  let ino = -1;
  let pos = 0;
  let partial = '';
  let stopped = false;
  const open = (fromEnd: boolean) => {
    try {
      fd = openSync(file, 'r');
      const st = fstatSync(fd);
      ino = st.ino;
      pos = fromEnd ? st.size : 0;
    } catch {
      fd = undefined;
    }
  };
  const drain = () => {
    if (fd === undefined) return;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      const text = partial + buf.subarray(0, n).toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const l of parts) if (l !== '') onLine(l);
    }
  };
  const check = () => {
    if (stopped) return;
    drain(); // what is left of the file we have open, even if it was just rotated away
    let now: number | undefined;
    try {
      now = statSync(file).ino;
    } catch {
      now = undefined;
    }
    if (now !== undefined && now !== ino) {
      if (fd !== undefined) closeSync(fd);
      partial = '';
      open(false);
      drain();
    } else if (fd !== undefined && fstatSync(fd).size < pos) {
      pos = 0; // truncated in place
      drain();
    }
  };
  open(true);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path.dirname(file), { persistent: opts.persistent ?? true }, (_ev, name) => {
      if (name === null || name.toString().startsWith(path.basename(file))) check();
    });
    watcher.on('error', () => {});
  } catch {
    watcher = undefined;
  }
  return {
    stop() {
      stopped = true;
      watcher?.close();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
