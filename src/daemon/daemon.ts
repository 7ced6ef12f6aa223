// createDaemon(): the daemon's parts, each built after what it depends on, and its start and
// stop in order. Nothing happens at import time; the entry point (main.ts) prepares the home,
// calls this, and starts it.
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { archiveDir, backupsDir, type Paths } from '../core/paths.js';
import { renderPrometheus } from '../core/metrics.js';
import { BlanketError } from '../protocol/errors.js';
import type { WorkerInfo } from '../protocol/model.js';
import { BUNDLED_TYPES, PACKAGE_ROOT, packageVersion } from '../pkg.js';
import { alive } from '../os/proc.js';
import { detectTags } from '../os/tags.js';
import { Archive } from './archive/archive.js';
import { ArchiveTimers } from './archive/timers.js';
import { BackupSchedule } from './backups.js';
import type { Daemon } from './context.js';
import { Engine } from './engine.js';
import { EventBus } from './events.js';
import { handlers } from './handlers/index.js';
import { readPid } from './home.js';
import { watchEndings } from './hooks.js';
import type { Logger } from './log.js';
import { Relay } from './relay.js';
import { Scheduler } from './schedules/scheduler.js';
import { createDispatcher, Server } from './server.js';
import { collectStats } from './stats/collect.js';
import { StatsRuntime } from './stats/runtime.js';
import { makeStore, openStore } from './open-store.js';
import { Peers } from './peers.js';
import { FenceBook } from './fence.js';
import { PeerLink } from './peer-link.js';
import { peerCertificate } from '../os/certs.js';
import { StoreError } from './store/store.js';
import { prepare } from './submit.js';
import { TypeRegistry } from './types/registry.js';
import { readBundledParse } from './types/bundled.js';
import { LocalWorkers } from './workers/local.js';
import { offer } from './workers/claim.js';
import { WorkerRegistry } from './workers/registry.js';
import { Supervisor } from './workers/supervisor.js';
import { policyOf } from '../core/dispatch.js';

export interface DaemonOptions {
  paths: Paths;
  config: Config;
  log: Logger;
  /** The umask the daemon was started with: its tasks get it. */
  taskUmask: number;
  /** config.toml again, after it changed (the scheduler's [[schedule]] entries). */
  reloadConfig(): Config;
  /** The environment local workers and hooks inherit. */
  workerEnv: NodeJS.ProcessEnv;
  now?: () => number;
}

export interface DaemonHandle {
  daemon: Daemon;
  /** Listen on the socket, adopt or start the local workers, then the scheduler, backups, due tasks and stats. */
  start(): Promise<void>;
  /** Stop in order (once; a second call gets the first's promise). Workers are stopped unless `keepWorkers`. */
  stop(reason: string, keepWorkers: boolean): Promise<void>;
  /** Re-read the task type files (SIGHUP). */
  reloadTypes(): void;
  /** A stop has finished. */
  readonly stopped: Relay<[]>;
}

/** Open the store (DAEMON_RUNNING when another daemon holds it, STORE_CORRUPT when it cannot be opened) and build every part. */
export async function createDaemon(o: DaemonOptions): Promise<DaemonHandle> {
  const { paths, config, log } = o;
  const now = o.now ?? (() => Date.now());
  const store = await makeStore(paths, config);
  try {
    await openStore(store, log);
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'locked') {
      const pid = readPid(paths);
      throw new BlanketError('DAEMON_RUNNING', `a daemon is already running for ${paths.home}${pid ? ` (pid ${pid})` : ''}`, { hint: "stop it with 'blanket daemon stop'" });
    }
    if (err instanceof StoreError && err.kind === 'unavailable') {
      throw new BlanketError('STORE_UNAVAILABLE', err.message, {
        hint: 'check that PostgreSQL runs and that store.url (or BLANKET_STORE_URL) names the right host, user, password and database',
      });
    }
    if (err instanceof StoreError) throw new BlanketError('STORE_CORRUPT', err.message, { hint: "check it with 'blanket db check'; nothing was changed" });
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
  for (const file of new Set(store.startLogWarnings.map((p) => p.file))) {
    const problems = store.startLogWarnings.filter((p) => p.file === file);
    log.warn("the store's write-ahead log was damaged: LevelDB replayed what it could read and dropped the rest of each damaged 32 KB block; the files as they were are kept", {
      file,
      problems: problems.map((p) => `${p.offset !== undefined ? `at byte ${p.offset}: ` : ''}${p.message}`),
      copy: path.join(store.keptDamaged!, 'db'),
      hint: `inspect the copy (never opened): 'BLANKET_HOME=${store.keptDamaged} blanket db check' names the damage; 'BLANKET_HOME=${store.keptDamaged} blanket db repair' there keeps every commit whose checksum holds, then 'BLANKET_HOME=${store.keptDamaged} blanket db dump' lists its tasks`,
    });
  }
  writeFileSync(paths.pidFile, `${process.pid}\n`);
  // Before anyone can use the store: an archive or restore a crash cut short is finished or undone.
  const archive = new Archive({
    root: archiveDir(paths),
    store,
    log,
    now,
    keepMs: config.archive.keepMs,
    ...('where' in store && store.host !== undefined ? { host: store.host } : {}),
  });
  try {
    await archive.recover();
  } catch (err) {
    // Nothing is lost (the archive copy is written before the store forgets a task): it is tried again at the next start.
    log.error('cannot finish an archive or restore cut short by a crash; trying again at the next start', { err: String((err as Error)?.message ?? err) });
  }

  const events = new EventBus();
  const types = new TypeRegistry({
    dirs: [BUNDLED_TYPES, paths.typesDir, ...config.typesPaths.map((p) => path.resolve(path.dirname(paths.config), p))],
    log: (m) => log.warn(m),
    parsed: readBundledParse(),
  });
  types.load();
  types.setStored(await store.storedTypes());
  types.watch();

  // The registry notices a lost worker; the engine, the supervisor and the local workers, made from it below, act on it.
  const workerLost = new Relay<[id: string, reason: string]>();
  const workers = new WorkerRegistry({
    now,
    changed: (worker) => events.publish({ kind: 'worker', worker: { ...worker } }),
    lost: (id, reason) => workerLost.emit(id, reason),
    gone: exited,
    offer: (id) => void offer(workers, engine, log, id),
  });
  // [labels] weights: read at each claim, replaced when config.toml changes (see reloadConfig below).
  let labels = config.labels;
  const engine = new Engine(store, events, workers, log, now, () => policyOf(types.all(), labels));
  const hooks = watchEndings(events, { log, global: config.hooks.commands, timeoutMs: config.hooks.timeoutMs, home: paths.home, env: o.workerEnv });
  const spawned = new Relay<[]>();
  const supervisor = new Supervisor({
    entry: path.join(PACKAGE_ROOT, 'dist', 'worker', 'main.js'),
    logsDir: paths.logs,
    env: o.workerEnv,
    log,
    workerLog: config.log,
    taskUmask: o.taskUmask,
    exited: (name, reason, restarts) => {
      workers.update(name, { restarts });
      workers.markLost(name, reason);
    },
    spawned: () => spawned.emit(),
  });
  const defaultTags = config.worker.tags ?? detectTags();
  const stopping: { now: boolean; done?: Promise<void> } = { now: false };
  const local = new LocalWorkers({ paths, config, supervisor, workers, engine, store, log, defaultTags, stopping: () => stopping.now });
  spawned.on(() => local.record());
  workerLost.on((id, reason) => {
    void engine.workerLost(id, reason);
    supervisor.kill(id); // one that hangs is replaced; one that exited is being restarted already
    local.restartAdopted(id);
  });

  const stats = new StatsRuntime({ store, config: config.metrics, resultsRoot: paths.results, log, liveWorkers: () => workers.live().length, now });
  const scheduler = new Scheduler({
    store,
    engine,
    events,
    log,
    now,
    prepare: (p) => prepare({ types, store, now }, p),
    entries: config.schedules,
    configFile: paths.config,
    reload: () => {
      const fresh = o.reloadConfig();
      if (JSON.stringify(fresh.labels) !== JSON.stringify(labels)) {
        labels = fresh.labels;
        log.info('label weights from config.toml in force', { labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v.weight])) });
      }
      return fresh;
    },
  });
  const fence = 'where' in store && store.host !== undefined ? new FenceBook() : undefined;
  const peers =
    'where' in store && fence
      ? new Peers({
          store,
          engine,
          workers,
          log,
          leaseMs: config.store.leaseMs,
          now,
          fence,
          refreshSchedules: () => scheduler.refresh(),
          hostForgotten: () => archiveTimers.poke(),
          stop: (reason) => void stop(reason, false),
        })
      : undefined;
  if (peers) engine.gateClaims(() => peers.mayClaim());
  const archiveTimers = new ArchiveTimers({
    archive,
    store,
    events,
    log,
    now,
    retention: config.retention,
    keep: config.archive,
    ...(peers ? { host: peers.host } : {}),
    removed: (ids) => ids.forEach((id) => events.publish({ kind: 'task.removed', id })),
  });
  const backups = new BackupSchedule(store, { dir: backupsDir(paths, config.backup.dir), intervalMs: config.backup.intervalMs, keep: config.backup.keep, log, now });
  // `daemon.stop` (the daemon.stop method) reaches the server, which is built from the daemon.
  const stopRequested = new Relay<[reason: string, keepWorkers: boolean]>();
  const daemon: Daemon = {
    store,
    engine,
    workers,
    supervisor,
    scheduler,
    types,
    archive,
    events,
    paths,
    config,
    defaultTags,
    version: packageVersion(),
    startedAt: now(),
    ...(peers ? { host: peers.host } : {}),
    ...(fence ? { fence } : {}),
    ...(peers && 'where' in store && config.store.peerToken !== undefined
      ? { peerLink: new PeerLink({ me: peers.host, token: config.store.peerToken, lookup: (host) => store.leases.peer(host) }) }
      : {}),
    storeInfo: 'where' in store ? { kind: 'postgresql', location: store.where } : { kind: 'leveldb', location: paths.db },
    storeWarnings: [
      ...store.startWarnings.map((p) => `damaged table ${p.file}${p.offset !== undefined ? ` at byte ${p.offset}` : ''}: ${p.message} (see 'blanket db check')`),
      ...[...new Set(store.startLogWarnings.map((p) => p.file))].map(
        (f) => `damaged write-ahead log ${f} replayed at this start (LevelDB dropped what it could not read); the files as they were: ${path.join(store.keptDamaged!, 'db')}`,
      ),
    ],
    log,
    stats,
    now,
    stop: (reason, opts) => stopRequested.emit(reason, opts?.keepWorkers === true),
  };
  const server = new Server(daemon, createDispatcher(handlers, log));
  const stopped = new Relay<[]>();

  async function shutdown(reason: string, keepWorkers: boolean): Promise<void> {
    log.info('stopping', { reason, keepWorkers });
    scheduler.close();
    await peers?.close();
    if (keepWorkers) local.record();
    const backupDone = backups.close();
    supervisor.releaseAll();
    if (!keepWorkers) {
      local.forget();
      // Workers stop their tasks (STOPPED) and report before they exit.
      for (const w of workers.list()) workers.send(w.id, { action: 'stop', kill: true });
      await Promise.all([supervisor.waitAll(config.killGraceMs + 5_000), workers.waitDisconnected(config.killGraceMs + 5_000)]);
    }
    types.close();
    await Promise.all([hooks.close(), stats.close(), backupDone, archiveTimers.close()]);
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
    stopped.emit();
  }
  /** With store.peer_token: listen for peers (TLS) and record where in the hosts row; without: record that this daemon serves none. */
  async function servePeers(): Promise<void> {
    if (!('where' in store)) return;
    const leases = store.leases;
    const token = config.store.peerToken;
    if (token === undefined) {
      await leases.advertise(undefined, '', -1, '');
      return;
    }
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(config.store.listen)!;
    const any = m[1] === '0.0.0.0' || m[1] === '::';
    try {
      const cert = await peerCertificate(path.join(paths.home, 'peer'), peers!.host);
      const port = await server.listenPeers({ host: m[1]!, port: Number(m[2]), key: cert.key, cert: cert.cert, token });
      const address = await leases.advertise(any ? undefined : m[1], os.hostname(), port, cert.fingerprint);
      log.info('serving task output to peer daemons (TLS)', { listen: config.store.listen, address, fingerprint: cert.fingerprint });
    } catch (err) {
      await store.close();
      throw new BlanketError('CONFIG_INVALID', `cannot serve task output to peer daemons on store.listen = "${config.store.listen}": ${(err as Error).message}`, {
        hint: 'choose a free address:port in store.listen (or port 0), or unset store.peer_token',
      });
    }
  }
  const stop = (reason: string, keepWorkers: boolean): Promise<void> => {
    if (!stopping.now) {
      stopping.now = true;
      stopping.done = shutdown(reason, keepWorkers);
    }
    return stopping.done!;
  };
  stopRequested.on((reason, keepWorkers) => void stop(reason, keepWorkers));

  return {
    daemon,
    stop,
    stopped,
    reloadTypes: () => {
      types.load();
      log.info('reloaded task types (SIGHUP)');
    },
    async start() {
      try {
        await server.listen(paths.socket);
      } catch (err) {
        await store.close();
        throw new BlanketError('INTERNAL', `cannot listen on ${paths.socket}: ${(err as Error).message}`);
      }
      // Before the workers: their registration reads which tasks this daemon (store.host) holds.
      try {
        await peers?.start();
      } catch (err) {
        // Refused (its name was forgotten) or the store failed: leave no socket that answers nothing.
        await server.close();
        for (const f of [paths.socket, paths.pidFile]) if (f !== paths.pidFile || readPid(paths) === process.pid) rmSync(f, { force: true });
        await store.close();
        throw err;
      }
      if (peers) await servePeers();
      const adopted = await local.start();
      await scheduler.start();
      backups.start();
      archiveTimers.start();
      engine.armDue();
      await stats.start(async () => renderPrometheus(await collectStats(daemon, 0)));
      log.info('ready', { socket: paths.socket, home: paths.home, version: daemon.version, adopted });
    },
  };
}

/** A local worker's connection closed: if its process is gone it is lost now (children are also reported by the supervisor). */
async function exited(w: WorkerInfo): Promise<boolean> {
  if (!w.local || w.host !== os.hostname() || w.pid === undefined) return false;
  for (const ms of [0, 100, 400, 1500]) {
    await new Promise((r) => setTimeout(r, ms));
    if (!alive(w.pid)) return true;
  }
  return false;
}
