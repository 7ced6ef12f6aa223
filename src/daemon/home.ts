// What the daemon does to its home before it opens the store: the umask, the paths, the
// private directories, the configuration and the log file. Called by the entry point (main.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, effectiveConfig, type Config } from '../core/config.js';
import { archiveDir, backupsDir, MAX_SOCKET_PATH, resolvePaths, type Paths } from '../core/paths.js';
import { BlanketError } from '../protocol/errors.js';
import { createFileLogger, createLogger, type Logger } from './log.js';
import { privateDirs } from './private.js';
import { readSecretFile } from '../os/secret.js';

export interface Home {
  paths: Paths;
  config: Config;
  log: Logger;
  /** The umask the daemon was started with: its tasks get it (see docs/workers.md). */
  taskUmask: number;
}

/** config.toml (when there is one) under BLANKET_* env overrides; `blanket config` shows the same. */
export function loadConfig(paths: Paths, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string | undefined;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError([{ file: paths.config, message: `cannot read: ${(err as Error).message}` }]);
  }
  const config = effectiveConfig(text, env, paths.config).config;
  const tokenFile = config.store.peerTokenFile;
  if (tokenFile !== undefined) {
    try {
      config.store.peerToken = readSecretFile(tokenFile, 16);
    } catch (err) {
      throw new ConfigError([{ file: paths.config, message: `store.peer_token_file: ${(err as Error).message}` }]);
    }
  }
  return config;
}

export function readPid(paths: Paths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A promise nobody awaited failed: a bug in blanket, to be logged; the tasks in flight must not pay for it. */
function logUnhandled(log: Logger): (err: unknown) => void {
  return (err) => log.error('unhandled rejection (a bug in blanket)', { err: String((err as Error)?.stack ?? err) });
}

/** Make the home ready for the daemon; a problem the user can fix is thrown as a BlanketError (PATH_INVALID, CONFIG_INVALID). */
export function openHome(env: NodeJS.ProcessEnv = process.env): Home {
  // Before anything is created: what the daemon and its workers write is the user's alone.
  // Tasks get the umask the daemon was started with (see docs/workers.md).
  const taskUmask = process.umask(0o077);
  const paths = resolvePaths(env, process.platform, os.homedir());
  // Logs go to a file in the home: a full disk must fail a log line, not the daemon.
  process.stderr.on('error', () => {});
  // stderr (daemon.out) until the configuration says where the log file is and how it rotates.
  const early = logUnhandled(createLogger());
  process.on('unhandledRejection', early);
  if (process.platform !== 'win32' && Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    throw new BlanketError('PATH_INVALID', `the socket path ${paths.socket} is longer than ${MAX_SOCKET_PATH} bytes`, { hint: 'use a shorter BLANKET_HOME or set BLANKET_SOCKET' });
  }
  // Task types are not secret and their dir may be shared: left as it is. Everything else is made 0700, or tightened to it.
  mkdirSync(paths.typesDir, { recursive: true });
  const tightened = privateDirs([paths.home, paths.results, archiveDir(paths), paths.logs, path.dirname(paths.db), paths.db, paths.run]);

  let config: Config;
  try {
    config = loadConfig(paths, env);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new BlanketError('CONFIG_INVALID', `invalid configuration:\n${err.message}`, {
        hint: `fix ${paths.config} (or the BLANKET_* variable named) and try again; 'blanket config' checks it`,
      });
    throw err;
  }
  tightened.push(...privateDirs([backupsDir(paths, config.backup.dir)], false)); // made by the first backup, 0700
  const log = createFileLogger({ file: path.join(paths.logs, 'daemon.log'), ...config.log, tee: process.stderr.isTTY === true });
  process.off('unhandledRejection', early);
  process.on('unhandledRejection', logUnhandled(log));
  if (tightened.length > 0) {
    log.warn('made directories private (0700): they were open to group or other users; files below them are closed to others by this alone', {
      dirs: tightened.map((d) => `${d.path} (was ${d.from})`),
    });
  }
  return { paths, config, log, taskUmask };
}

/** What local workers inherit: our environment minus what only the daemon may see. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.BLANKET_READY_FD;
  return copy;
}
