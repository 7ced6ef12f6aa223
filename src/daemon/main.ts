// The daemon process: `node dist/daemon/main.js`.
// Takes the store lock first (one daemon per home), then the socket.
import { closeSync, mkdirSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, effectiveConfig, type Config } from '../core/config.js';
import { MAX_SOCKET_PATH, resolvePaths, type Paths } from '../core/paths.js';
import { BlanketError, type ErrorCode } from '../protocol/errors.js';
import { BUNDLED_TYPES, PACKAGE_ROOT, packageVersion } from '../pkg.js';
import { detectTags } from '../os/tags.js';
import { alive, processStartTime } from '../os/proc.js';
import { killRecorded, liveRecordedWorkers, recordWorkers, type RecordedWorker } from './adopt.js';
import { BackupSchedule } from './backups.js';
import { backupsDir } from '../core/paths.js';
import type { Daemon } from './context.js';
import { Engine } from './engine.js';
import { privateDirs } from './private.js';
import { EventBus } from './events.js';
import { handlers } from './handlers/index.js';
import { watchEndings } from './hooks.js';
import { renderPrometheus } from '../core/metrics.js';
import { collectStats } from './stats/collect.js';
import { StatsRuntime } from './stats/runtime.js';
import { createFileLogger, createLogger, type Logger } from './log.js';
import { createDispatcher, Server } from './server.js';
import { Scheduler } from './schedules/scheduler.js';
import { LevelStore } from './store/level.js';
import { StoreError } from './store/store.js';
import { prepare } from './submit.js';
import { TypeRegistry } from './types/registry.js';
import { WorkerRegistry } from './workers/registry.js';
import { Supervisor, type LocalWorkerSpec } from './workers/supervisor.js';

/** How long tasks of a worker that has not (re)connected since start are given before they end LOST. */
const RECONNECT_GRACE_MS = 15_000;

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

/** config.toml (when there is one) under BLANKET_* env overrides; `blanket config` shows the same. */
export function loadConfig(paths: Paths, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string | undefined;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError([{ file: paths.config, message: `cannot read: ${(err as Error).message}` }]);
  }
  return effectiveConfig(text, env, paths.config).config;
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
  // Before anything is created: what the daemon and its workers write is the user's alone.
  // Tasks get the umask the daemon was started with (see docs/workers.md).
  const taskUmask = process.umask(0o077);
  const paths = resolvePaths(process.env, process.platform, os.homedir());
  // Logs go to a file in the home: a full disk must fail a log line, not the daemon.
  process.stderr.on('error', () => {});
  // stderr (daemon.out) until the configuration says where the log file is and how it rotates.
  let log: Logger = createLogger();
  // A promise nobody awaited failed: a bug in blanket, to be logged; the tasks in flight must not pay for it.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection (a bug in blanket)', { err: String((err as Error)?.stack ?? err) }));
  if (process.platform !== 'win32' && Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    fail(new BlanketError('PATH_INVALID', `the socket path ${paths.socket} is longer than ${MAX_SOCKET_PATH} bytes`, { hint: 'use a shorter BLANKET_HOME or set BLANKET_SOCKET' }));
  }
  // Task types are not secret and their dir may be shared: left as it is. Everything else is made 0700, or tightened to it.
  mkdirSync(paths.typesDir, { recursive: true });
  const tightened = privateDirs([paths.home, paths.results, paths.logs, path.dirname(paths.db), paths.db, paths.run]);

  let config: Config;
  try {
    config = loadConfig(paths);
  } catch (err) {
    if (err instanceof ConfigError) fail(new BlanketError('CONFIG_INVALID', `invalid configuration:\n${err.message}`, { hint: `fix ${paths.config} (or the BLANKET_* variable named) and try again; 'blanket config' checks it` }));
    throw err;
  }
  tightened.push(...privateDirs([backupsDir(paths, config.backup.dir)], false)); // made by the first backup, 0700
  log = createFileLogger({ file: path.join(paths.logs, 'daemon.log'), ...config.log, tee: process.stderr.isTTY === true });
  if (tightened.length > 0) {
    log.warn('made directories private (0700): they were open to group or other users; files below them are closed to others by this alone', { dirs: tightened.map((d) => `${d.path} (was ${d.from})`) });
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
  for (const p of store.startWarnings) {
    log.warn('the store has a damaged table; serving anyway (a read that meets the damage fails with STORE_CORRUPT)', {
      file: p.file,
      ...(p.offset !== undefined ? { offset: p.offset } : {}),
      problem: p.message,
      hint: "see 'blanket db check'; 'blanket daemon stop', then 'blanket db repair' drops the damaged blocks (after a backup)",
    });
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`);

  const events = new EventBus();
  const types = new TypeRegistry({
    dirs: [BUNDLED_TYPES, paths.typesDir, ...config.typesPaths.map((p) => path.resolve(path.dirname(paths.config), p))],
    log: (m) => log.warn(m),
  });
  types.load();
  types.setStored(await store.storedTypes());
  types.watch();

  let engine: Engine;
  /** Local workers from before (a crash or a restart) that outlived the last daemon: not our children. */
  const adoptedWorkers = new Map<string, RecordedWorker>();
  const workers = new WorkerRegistry({
    now: () => Date.now(),
    changed: (worker) => events.publish({ kind: 'worker', worker: { ...worker } }),
    lost: (id, reason) => {
      void engine.workerLost(id, reason);
      supervisor.kill(id); // one that hangs is replaced; one that exited is being restarted already
      restartAdopted(id);
    },
    // A local worker's connection closed: if its process is gone it is lost now (children are also reported by the supervisor).
    gone: async (w) => {
      if (!w.local || w.host !== os.hostname() || w.pid === undefined) return false;
      for (const ms of [0, 100, 400, 1500]) {
        await new Promise((r) => setTimeout(r, ms));
        if (!alive(w.pid!)) return true;
      }
      return false;
    },
  });
  engine = new Engine(store, events, workers, log, () => Date.now());
  const hooks = watchEndings(events, { log, global: config.hooks.commands, timeoutMs: config.hooks.timeoutMs, home: paths.home, env: workerEnv() });
  const supervisor = new Supervisor({
    entry: path.join(PACKAGE_ROOT, 'dist', 'worker', 'main.js'),
    logsDir: paths.logs,
    env: workerEnv(),
    log,
    workerLog: config.log,
    taskUmask,
    exited: (name, reason, restarts) => {
      workers.update(name, { restarts });
      workers.markLost(name, reason);
    },
    spawned: () => record(),
  });
  const defaultTags = config.worker.tags ?? detectTags();
  const record = () =>
    recordWorkers(paths, [
      ...supervisor.specs().flatMap((spec) => {
        const pid = supervisor.pid(spec.name);
        return pid ? [{ spec, pid, ...(processStartTime(pid) !== undefined ? { pidStart: processStartTime(pid)! } : {}) }] : [];
      }),
      // Adopted workers still running stay recorded, or the daemon after us would start a second one beside each.
      ...[...adoptedWorkers.values()].filter((w) => !supervisor.has(w.spec.name) && processStartTime(w.pid) === w.pidStart),
    ]);

  const stats = new StatsRuntime({ store, config: config.metrics, resultsRoot: paths.results, log, liveWorkers: () => workers.live().length, now: () => Date.now() });
  let stopping = false;
  let backups: BackupSchedule | undefined;
  const daemon: Daemon = {
    store,
    engine,
    workers,
    supervisor,
    scheduler: new Scheduler({ store, engine, events, log, now: () => Date.now(), prepare: (p) => prepare(daemon, p), entries: config.schedules, configFile: paths.config, reload: () => loadConfig(paths) }),
    types,
    events,
    paths,
    config,
    defaultTags,
    version: packageVersion(),
    startedAt: Date.now(),
    log,
    stats,
    now: () => Date.now(),
    stop: (reason, opts) => void shutdown(reason, opts?.keepWorkers === true),
  };
  const server = new Server(daemon, createDispatcher(handlers, log));

  async function shutdown(reason: string, keepWorkers: boolean): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { reason, keepWorkers });
    daemon.scheduler.close();
    if (keepWorkers) record();
    const backupDone = backups?.close();
    supervisor.releaseAll();
    if (!keepWorkers) {
      recordWorkers(paths, []);
      // Workers stop their tasks (STOPPED) and report before they exit.
      for (const w of workers.list()) workers.send(w.id, { action: 'stop', kill: true });
      await Promise.all([supervisor.waitAll(config.killGraceMs + 5_000), workers.waitDisconnected(config.killGraceMs + 5_000)]);
    }
    types.close();
    await Promise.all([hooks.close(), stats.close(), backupDone]);
    engine.close();
    workers.close();
    await server.close();
    // The socket and pid file go while we still hold the store lock: once it is released a new
    // daemon may start, and we must not remove the socket or pid file it has made.
    for (const f of [paths.socket, paths.pidFile]) {
      try {
        if (f !== paths.pidFile || readPid(paths) === process.pid) unlinkSync(f);
      } catch {
        // already gone
      }
    }
    await store.close();
    log.info('stopped');
    await log.close();
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', false));
  process.on('SIGINT', () => void shutdown('SIGINT', false));
  process.on('SIGHUP', () => {
    types.load();
    log.info('reloaded task types (SIGHUP)');
  });

  try {
    await server.listen(paths.socket);
  } catch (err) {
    await store.close();
    fail(new BlanketError('INTERNAL', `cannot listen on ${paths.socket}: ${(err as Error).message}`));
  }

  // Workers from before (a crash or a restart) get a grace period to reconnect; their tasks wait for them.
  for (const w of liveRecordedWorkers(paths)) adoptedWorkers.set(w.spec.name, w);
  const adopted = new Set(adoptedWorkers.keys());
  const orphans = new Set((await store.active()).map((t) => t.worker).filter((w): w is string => w !== undefined));
  const grace = setTimeout(() => {
    for (const w of liveRecordedWorkers(paths)) {
      if (!workers.connected(w.spec.name)) {
        log.warn('a worker from before did not reconnect; stopping it', { worker: w.spec.name, workerPid: w.pid });
        killRecorded(w);
      }
    }
    for (const id of orphans) if (!workers.connected(id)) void engine.workerLost(id, 'did not reconnect after the daemon restarted');
    for (const name of adopted) if (!workers.connected(name) && !supervisor.has(name)) restartAdopted(name);
    record();
  }, RECONNECT_GRACE_MS);
  grace.unref();

  function defaultSpec(): LocalWorkerSpec {
    return { name: 'local', slots: config.worker.slots ?? os.availableParallelism(), tags: [...new Set([...defaultTags, ...config.worker.extraTags])].sort() };
  }
  function startLocal(spec: LocalWorkerSpec): void {
    supervisor.start(spec);
    record();
  }
  /** An adopted worker is gone (exited, or silent): a supervised one takes its place, as for our own. */
  function restartAdopted(name: string): void {
    const w = adoptedWorkers.get(name);
    if (!w || stopping || supervisor.has(name)) return;
    adoptedWorkers.delete(name);
    killRecorded(w); // one that hangs must not come back beside its successor (its start time is checked first)
    startLocal(name === 'local' ? defaultSpec() : w.spec);
  }
  const slots = config.worker.slots ?? os.availableParallelism();
  if (!adopted.has('local') && slots > 0) startLocal(defaultSpec());

  await daemon.scheduler.start();
  backups = new BackupSchedule(store, { dir: backupsDir(paths, config.backup.dir), intervalMs: config.backup.intervalMs, keep: config.backup.keep, log, now: () => Date.now() });
  backups.start();
  engine.armDue();
  await stats.start(async () => renderPrometheus(await collectStats(daemon, 0)));
  log.info('ready', { socket: paths.socket, home: paths.home, version: daemon.version, adopted: [...adopted] });
  report({ ready: true, pid: process.pid });
}

/** What local workers inherit: our environment minus what only the daemon may see. */
function workerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BLANKET_READY_FD;
  return env;
}

main().catch((err) => {
  process.stderr.write(`blanket daemon: ${(err as Error)?.stack ?? String(err)}\n`);
  report({ error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) } });
  process.exit(1);
});
