// The client that started the daemon waits on a pipe (BLANKET_READY_FD) for one line: ready, or why not.
import { closeSync, writeSync } from 'node:fs';
import type { BlanketError, ErrorCode } from '../protocol/errors.js';

export function report(message: { ready: true; pid: number } | { error: { code: ErrorCode; message: string; hint?: string } }): void {
  const fd = Number(process.env.BLANKET_READY_FD);
  if (!Number.isInteger(fd) || fd < 3) return;
  try {
    writeSync(fd, JSON.stringify(message) + '\n');
    closeSync(fd);
  } catch {
    // the starter went away; nothing to tell
  }
  delete process.env.BLANKET_READY_FD;
}

/** Tell the starter (and daemon.out) why we cannot serve, and exit: 3 when another daemon serves the home. */
export function fail(err: BlanketError): never {
  report({ error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
  process.stderr.write(`blanket daemon: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
  process.exit(err.code === 'DAEMON_RUNNING' ? 3 : 1);
}

/** Something we did not expect stopped the start-up: a bug, reported as INTERNAL. */
export function crashed(err: unknown): never {
  process.stderr.write(`blanket daemon: ${(err as Error)?.stack ?? String(err)}\n`);
  report({ error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) } });
  process.exit(1);
}
