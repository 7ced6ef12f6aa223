// The daemon process: `node dist/daemon/main.js [--foreground]`.
// Takes the store lock first (one daemon per home), then the socket.
import { chmodSync, closeSync, mkdirSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from '../core/config.js';
import { MAX_SOCKET_PATH, resolvePaths, type Paths } from '../core/paths.js';
import { BlanketError, type ErrorCode } from '../protocol/errors.js';
import { BUNDLED_TYPES, packageVersion } from '../pkg.js';
import type { Daemon } from './context.js';
import { EventBus } from './events.js';
import { handlers } from './handlers/index.js';
import { createLogger } from './log.js';
import { createDispatcher, Server } from './server.js';
import { LevelStore } from './store/level.js';
import { StoreError } from './store/store.js';
import { TypeRegistry } from './types/registry.js';

/** The client that started us waits on this fd for one line: ready, or why not. */
function report(message: { ready: true; pid: number } | { error: { code: ErrorCode; message: string; hint?: string } }): void {
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

function fail(err: BlanketError): never {
  report({ error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
  process.stderr.write(`blanket daemon: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
  process.exit(err.code === 'DAEMON_RUNNING' ? 3 : 1);
}

export function loadConfig(paths: Paths): Config {
  let text: string;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch {
    return structuredClone(DEFAULT_CONFIG);
  }
  return parseConfig(paths.config, text);
}

function readPid(paths: Paths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const paths = resolvePaths(process.env, process.platform, os.homedir());
  const log = createLogger();
  if (process.platform !== 'win32' && Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    fail(new BlanketError('PATH_INVALID', `the socket path ${paths.socket} is longer than ${MAX_SOCKET_PATH} bytes`, { hint: 'use a shorter BLANKET_HOME or set BLANKET_SOCKET' }));
  }
  for (const dir of [paths.home, paths.results, paths.logs, path.dirname(paths.db)]) mkdirSync(dir, { recursive: true });
  mkdirSync(paths.run, { recursive: true, mode: 0o700 });
  chmodSync(paths.run, 0o700); // mkdir's mode does not apply to a dir that already exists

  let config: Config;
  try {
    config = loadConfig(paths);
  } catch (err) {
    if (err instanceof ConfigError) fail(new BlanketError('CONFIG_INVALID', `invalid configuration:\n${err.message}`, { hint: `fix ${paths.config} and try again` }));
    throw err;
  }

  const store = new LevelStore({ location: paths.db, resultsRoot: paths.results, sync: config.syncWrites });
  try {
    await store.open();
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'locked') {
      const pid = readPid(paths);
      fail(new BlanketError('DAEMON_RUNNING', `a daemon is already running for ${paths.home}${pid ? ` (pid ${pid})` : ''}`, { hint: "stop it with 'blanket daemon stop'" }));
    }
    if (err instanceof StoreError) fail(new BlanketError('STORE_CORRUPT', err.message, { hint: "check it with 'blanket db check'; nothing was changed" }));
    throw err;
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`);

  const events = new EventBus();
  const types = new TypeRegistry({
    dirs: [BUNDLED_TYPES, paths.typesDir, ...config.typesPaths.map((p) => path.resolve(path.dirname(paths.config), p))],
    log: (m) => log.warn(m),
  });
  types.load();
  types.watch();

  let stopping = false;
  const daemon: Daemon = {
    store,
    types,
    events,
    paths,
    config,
    version: packageVersion(),
    startedAt: Date.now(),
    log,
    now: () => Date.now(),
    stop: (reason) => void shutdown(reason),
  };
  const real = new Server(daemon, createDispatcher(handlers, log));

  async function shutdown(reason: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { reason });
    types.close();
    await real.close();
    await store.close();
    for (const f of [paths.socket, paths.pidFile]) {
      try {
        if (f !== paths.pidFile || readPid(paths) === process.pid) unlinkSync(f);
      } catch {
        // already gone
      }
    }
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    types.load();
    log.info('reloaded task types (SIGHUP)');
  });

  try {
    await real.listen(paths.socket);
  } catch (err) {
    await store.close();
    fail(new BlanketError('INTERNAL', `cannot listen on ${paths.socket}: ${(err as Error).message}`));
  }
  log.info('ready', { socket: paths.socket, home: paths.home, version: daemon.version });
  report({ ready: true, pid: process.pid });
}

main().catch((err) => {
  process.stderr.write(`blanket daemon: ${(err as Error)?.stack ?? String(err)}\n`);
  report({ error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) } });
  process.exit(1);
});
