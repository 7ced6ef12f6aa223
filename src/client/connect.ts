// Connect to the daemon of this home, starting it when it is not running.
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolvePaths, type Paths } from '../core/paths.js';
import { BlanketError, type ErrorCode } from '../protocol/errors.js';
import { Client } from './client.js';

export interface ConnectOptions {
  paths?: Paths;
  /** Start the daemon when none answers (default true). */
  autostart?: boolean;
  /** How long to wait for a daemon to come up. */
  startTimeoutMs?: number;
  clientName?: string;
}

export function defaultPaths(): Paths {
  return resolvePaths(process.env, process.platform, os.homedir());
}

function dial(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

export async function connect(opts: ConnectOptions = {}): Promise<Client> {
  const paths = opts.paths ?? defaultPaths();
  try {
    return new Client(await dial(paths.socket), opts.clientName);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw new BlanketError('DAEMON_UNAVAILABLE', `cannot reach the daemon at ${paths.socket}: ${(err as Error).message}`);
    if (opts.autostart === false) {
      throw new BlanketError('DAEMON_UNAVAILABLE', `no daemon is running for ${paths.home}`, { hint: "start it with 'blanket daemon start'" });
    }
  }
  const timeoutMs = opts.startTimeoutMs ?? 15_000;
  const started = await startDaemon(paths, timeoutMs);
  if (started.started) return new Client(await dial(paths.socket), opts.clientName);
  // Another starter won the race; its daemon holds the lock and is about to listen. Unless the
  // lock holder was a daemon on its way out (stopping): then, once it is gone, start one again.
  const deadline = Date.now() + timeoutMs;
  let retryAt = Date.now() + 500;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return new Client(await dial(paths.socket), opts.clientName);
    } catch (err) {
      if (Date.now() > deadline) throw new BlanketError('DAEMON_UNAVAILABLE', `the daemon for ${paths.home} is not answering: ${(err as Error).message}`);
      if (Date.now() > retryAt && !daemonProcessAlive(paths)) {
        retryAt = Date.now() + 500;
        const again = await startDaemon(paths, Math.max(1000, deadline - Date.now())).catch(() => undefined);
        if (again?.started) return new Client(await dial(paths.socket), opts.clientName);
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Whether the pid file names a live daemon process (on Linux, checked by its command line: a pid may be reused). */
function daemonProcessAlive(paths: Paths): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) [ZX]/s.test(stat)) return false;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon');
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartResult {
  pid: number;
  /** False when another daemon was already serving this home. */
  started: boolean;
}

/**
 * Start a detached daemon and wait until it says it is ready (or why it is not)
 * on a pipe: no polling of the socket.
 */
export async function startDaemon(paths: Paths, timeoutMs = 15_000): Promise<StartResult> {
  const { DAEMON_ENTRY: entry } = await import('../pkg.js'); // a file path (a URL's pathname breaks on spaces), always the built daemon
  const { spawn } = await import('node:child_process'); // only here: loading it costs every CLI call that finds the daemon running
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 }); // private, as the daemon makes everything (it sets umask 077 itself)
  // The daemon logs to daemon.log itself (rotated); its stdout and stderr keep what a crash prints.
  const logFd = openSync(path.join(paths.logs, 'daemon.out'), 'a', 0o600);
  // The daemon runs in / so that it holds no directory of the caller's (a mount it keeps busy, a
  // directory removed under it); the variables that name its files are made absolute first.
  const env: NodeJS.ProcessEnv = { ...process.env, BLANKET_READY_FD: '3' };
  for (const k of ['BLANKET_HOME', 'BLANKET_SOCKET', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR']) if (env[k]) env[k] = path.resolve(env[k]);
  const child = spawn(process.execPath, [entry], { detached: true, cwd: '/', stdio: ['ignore', logFd, logFd, 'pipe'], env });
  closeSync(logFd);
  const pipe = child.stdio[3] as net.Socket;
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () =>
        reject(
          new BlanketError('DAEMON_UNAVAILABLE', `the daemon did not start within ${timeoutMs / 1000}s`, {
            hint: `see ${path.join(paths.logs, 'daemon.out')} and 'blanket daemon logs'`,
          }),
        ),
      timeoutMs,
    );
    pipe.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    pipe.on('error', () => {});
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
      else
        reject(
          new BlanketError('DAEMON_UNAVAILABLE', `the daemon exited at start (code ${code})`, { hint: `see ${path.join(paths.logs, 'daemon.out')} and 'blanket daemon logs'` }),
        );
    });
  });
  pipe.destroy();
  child.unref();
  const msg = JSON.parse(line) as { ready?: true; pid?: number; error?: { code: ErrorCode; message: string; hint?: string } };
  if (msg.error) {
    // Lost a race with another starter: that daemon serves, which is what we wanted.
    if (msg.error.code === 'DAEMON_RUNNING') return { pid: 0, started: false };
    throw new BlanketError(msg.error.code, `the daemon could not start: ${msg.error.message}`, msg.error.hint ? { hint: msg.error.hint } : {});
  }
  return { pid: msg.pid!, started: true };
}
