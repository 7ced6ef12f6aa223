// Starting and stopping the daemon from the CLI.
import { readFileSync } from 'node:fs';
import { connect, startDaemon } from '../client/connect.js';
import type { Paths } from '../core/paths.js';
import { BlanketError } from '../protocol/errors.js';
import type { DaemonStatus } from '../protocol/methods.js';

export async function status(paths: Paths): Promise<DaemonStatus | undefined> {
  try {
    const c = await connect({ paths, autostart: false });
    try {
      return await c.call('daemon.status', {});
    } finally {
      c.close();
    }
  } catch (err) {
    if (err instanceof BlanketError && err.code === 'DAEMON_UNAVAILABLE') return undefined;
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie has exited (its lock and socket are released); it only waits for a slow reaper.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Ask the daemon to stop and wait until its process is gone. Returns its pid, or undefined if none ran. */
export async function stop(paths: Paths, opts: { keepWorkers?: boolean; timeoutMs?: number } = {}): Promise<number | undefined> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let c;
  try {
    c = await connect({ paths, autostart: false });
  } catch (err) {
    if (err instanceof BlanketError && err.code === 'DAEMON_UNAVAILABLE') return undefined;
    throw err;
  }
  let pid: number;
  try {
    ({ pid } = await c.call('daemon.stop', { keepWorkers: opts.keepWorkers === true }));
  } finally {
    c.close();
  }
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; alive(pid); wait = Math.min(wait * 2, 100)) {
    if (Date.now() > deadline) throw new BlanketError('INTERNAL', `the daemon (pid ${pid}) did not stop within ${timeoutMs / 1000}s`, { hint: `kill it: kill ${pid}` });
    await new Promise((r) => setTimeout(r, wait));
  }
  return pid;
}

export async function start(paths: Paths): Promise<number> {
  const running = await status(paths);
  if (running)
    throw new BlanketError('DAEMON_RUNNING', `a daemon is already running for ${paths.home} (pid ${running.pid})`, {
      hint: "stop it with 'blanket daemon stop', or use 'blanket daemon restart'",
    });
  const res = await startDaemon(paths);
  if (!res.started) {
    const now = await status(paths);
    throw new BlanketError('DAEMON_RUNNING', `a daemon is already running for ${paths.home}${now ? ` (pid ${now.pid})` : ''}`);
  }
  return res.pid;
}
