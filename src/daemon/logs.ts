// Reading task output: the last N lines, and following a file as it grows
// (file-change events, with a stat-polling fallback where there are none).
import { closeSync, openSync, readSync, statSync, watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';

/** The last `lines` lines of a file, never starting with a partial line. Reads backwards in chunks. */
export function tailLines(file: string, lines: number, maxBytes = 64 * 1024 * 1024): { text: string; size: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', size: 0 };
  }
  try {
    const size = statSync(file).size;
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

export function readRange(file: string, from: number, maxBytes = 1024 * 1024): { data: Buffer; next: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { data: Buffer.alloc(0), next: from };
  }
  try {
    const size = statSync(file).size;
    // Truncated under us (output cap): continue from the new end.
    if (size < from) from = Math.max(0, size - 1);
    const len = Math.min(maxBytes, size - from);
    if (len <= 0) return { data: Buffer.alloc(0), next: from };
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, from);
    return { data: buf.subarray(0, n), next: from + n };
  } finally {
    closeSync(fd);
  }
}

/**
 * Follow a file from `offset`: `onData` gets each new chunk. Uses file-change events, or
 * stat polling (1 s) when the filesystem has none. Returns a stop function that reads what is left.
 */
export function follow(file: string, offset: number, onData: (data: Buffer) => void, persistent = false): { stop(): void; flush(): void } {
  let pos = offset;
  let stopped = false;
  let pending: Buffer | undefined;
  const flush = () => {
    for (;;) {
      const { data, next } = readRange(file, pos);
      pos = next;
      if (data.length === 0) break;
      // Hold back a partial line's UTF-8 tail so characters are never split between events.
      const chunk = pending ? Buffer.concat([pending, data]) : data;
      const cut = utf8Boundary(chunk);
      pending = cut < chunk.length ? chunk.subarray(cut) : undefined;
      if (cut > 0) onData(chunk.subarray(0, cut));
    }
  };
  let watcher: FSWatcher | undefined;
  let polling = false;
  try {
    watcher = watch(file, { persistent }, () => !stopped && flush());
    watcher.on('error', () => {});
  } catch {
    polling = true;
    watchFile(file, { interval: 1000, persistent }, () => !stopped && flush());
  }
  flush();
  return {
    flush,
    stop() {
      if (stopped) return;
      flush();
      if (pending) onData(pending);
      stopped = true;
      watcher?.close();
      if (polling) unwatchFile(file);
    },
  };
}

/** Length of the longest prefix of `b` that ends on a UTF-8 character boundary. */
function utf8Boundary(b: Buffer): number {
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
