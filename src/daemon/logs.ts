// Reading task output: the last N lines, pages of bytes, and following a file as it grows
// (file-change events, with a stat-polling fallback where there are none). What the daemon
// reads for a client is read asynchronously in bounded chunks, so a big file never stalls it.
import { closeSync, constants, fstatSync, openSync, readSync, watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** The most bytes of output one `logs` reply or `log` event carries. */
export const LOG_PAGE_MAX = 512 * 1024;
/** Bytes read at a time when scanning backwards for line starts. */
const SCAN_CHUNK = 256 * 1024;

/** An open output file, or undefined when it does not exist (yet). */
export async function openLog(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch {
    return undefined;
  }
}

/**
 * Where the last `lines` lines of the first `size` bytes start (a trailing newline ends the last
 * line; it does not start another). Reads backwards in bounded chunks, awaiting each.
 */
export async function tailOffset(fh: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  let pos = size;
  let newlines = 0;
  while (pos > 0) {
    const len = Math.min(SCAN_CHUNK, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      i = buf.lastIndexOf(10, i);
      if (i < 0) break;
      if (pos + i === size - 1) continue;
      if (++newlines === lines) return pos + i + 1;
    }
  }
  return 0;
}

export interface LogPage {
  data: Buffer;
  /** Where `data` starts in the file. */
  offset: number;
  /** Where the next page starts. */
  next: number;
  /** The file's size when read. */
  size: number;
}

/** Up to `limit` bytes from `offset` (past the end, e.g. after a truncation: nothing, from the end). */
export async function readPage(fh: FileHandle, offset: number, limit: number): Promise<LogPage> {
  const size = (await fh.stat()).size;
  const from = Math.min(offset, size);
  const len = Math.max(0, Math.min(limit, size - from));
  const data = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(data, got, len - got, from + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return { data: data.subarray(0, got), offset: from, next: from + got, size };
}

/** The last `lines` lines of a file, never starting with a partial line. Reads backwards in chunks. */
export function tailLines(file: string, lines: number, maxBytes = 64 * 1024 * 1024): { text: string; size: number } {
  let fd: number;
  try {
    // Never through a symlink, nor blocking on a FIFO: a task run as another user owns the directory.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return { text: '', size: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    if (lines === 0) return { text: '', size };
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    let read = 0;
    // A trailing newline ends the last line; it does not start another.
    let skipTrailing = true;
    while (pos > 0 && read < maxBytes) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      read += len;
      let cut = -1;
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== 10) {
          skipTrailing = false;
          continue;
        }
        if (skipTrailing && pos + i === size - 1) continue;
        if (++newlines === lines) {
          cut = i + 1;
          break;
        }
      }
      if (cut >= 0) {
        chunks.unshift(buf.subarray(cut));
        return { text: Buffer.concat(chunks).toString('utf8'), size };
      }
      chunks.unshift(buf);
    }
    const all = Buffer.concat(chunks);
    // Ran out of budget mid-line: drop the partial first line.
    if (pos > 0) {
      const nl = all.indexOf(10);
      return { text: nl >= 0 ? all.subarray(nl + 1).toString('utf8') : '', size };
    }
    return { text: all.toString('utf8'), size };
  } finally {
    closeSync(fd);
  }
}

/** Bytes per `log` event when following. */
const FOLLOW_CHUNK = 256 * 1024;

/**
 * Follow a file from `offset`: `onData` gets each new chunk (at most FOLLOW_CHUNK bytes, never a
 * split character), and the next is read only once `ready` resolves (the reader's backpressure).
 * Uses file-change events, or stat polling (1 s) when the filesystem has none. `stop` reads what
 * is left, then resolves; `cancel` drops it.
 */
export function follow(
  file: string,
  offset: number,
  onData: (data: Buffer) => void,
  opts: { persistent?: boolean; ready?: () => Promise<void> } = {},
): { stop(): Promise<void>; cancel(): void } {
  let pos = offset;
  let stopped = false;
  let cancelled = false;
  let pending: Buffer | undefined;
  const drain = async () => {
    const fh = await openLog(file);
    if (!fh) return;
    try {
      while (!cancelled) {
        const page = await readPage(fh, pos, FOLLOW_CHUNK);
        pos = page.next;
        if (page.data.length === 0) break;
        // Hold back a partial line's UTF-8 tail so characters are never split between events.
        const chunk = pending ? Buffer.concat([pending, page.data]) : page.data;
        const cut = utf8Boundary(chunk);
        pending = cut < chunk.length ? chunk.subarray(cut) : undefined;
        if (cut > 0) onData(chunk.subarray(0, cut));
        if (opts.ready) await opts.ready();
      }
    } finally {
      await fh.close();
    }
  };
  // One read at a time; a change seen during one is read by another pass after it.
  let running: Promise<void> | undefined;
  let again = false;
  const flush = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await drain().catch(() => {});
      } while (again && !cancelled);
    })().finally(() => (running = undefined));
    return running;
  };
  const changed = () => {
    if (!stopped && !cancelled) void flush();
  };
  let watcher: FSWatcher | undefined;
  let polling = false;
  try {
    watcher = watch(file, { persistent: opts.persistent ?? false }, changed);
    watcher.on('error', () => {});
  } catch {
    polling = true;
    watchFile(file, { interval: 1000, persistent: opts.persistent ?? false }, changed);
  }
  const unwatch = () => {
    watcher?.close();
    if (polling) unwatchFile(file);
  };
  void flush();
  return {
    async stop() {
      if (stopped || cancelled) return;
      stopped = true;
      unwatch();
      await flush();
      if (running) await running;
      if (pending && !cancelled) onData(pending);
      pending = undefined;
    },
    cancel() {
      cancelled = true;
      unwatch();
    },
  };
}

/** Length of the longest prefix of `b` that ends on a UTF-8 character boundary. */
export function utf8Boundary(b: Buffer): number {
  let i = b.length;
  // Walk back over at most 3 continuation bytes to a lead byte.
  for (let k = 1; k <= 4 && i - k >= 0; k++) {
    const c = b[i - k]!;
    if ((c & 0xc0) === 0x80) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? i - k : i;
  }
  return i;
}
