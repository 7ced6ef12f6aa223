// `blanket logs ID`: a task's output page by page (each at most 512 KiB), written as it
// arrives and no faster than stdout takes it, so any size streams in bounded memory.
import type { Client } from '../client/client.js';
import type { LogsResult } from '../protocol/methods.js';
import { stdoutSink, type Sink } from './stdout.js';

export interface TaskLogOptions {
  stream: 'stdout' | 'stderr';
  /** Only the last N lines. */
  lines?: number;
  /** Print each page's RPC result as one JSON line instead of the bytes. */
  json: boolean;
  sink?: Sink;
}

/** Page through to the end of the file (as it is by then); stops early when stdout's reader is gone. */
export async function printTaskLogs(client: Client, id: string, opts: TaskLogOptions): Promise<void> {
  const sink = opts.sink ?? stdoutSink();
  let page: LogsResult = await client.call('logs', { id, stream: opts.stream, ...(opts.lines !== undefined ? { lines: opts.lines } : {}) });
  for (;;) {
    const ok = await sink.write(opts.json ? JSON.stringify(page) + '\n' : Buffer.from(page.data, 'base64'));
    if (!ok || page.eof) return;
    page = await client.call('logs', { id, stream: opts.stream, offset: page.next });
  }
}
