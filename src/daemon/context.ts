// What every handler receives. Passed in, never imported, so tests can build one.
import type { Config } from '../core/config.js';
import type { Paths } from '../core/paths.js';
import type { MethodName, Params, Result } from '../protocol/methods.js';
import type { Connection } from './connection.js';
import type { EventBus } from './events.js';
import type { Store } from './store/store.js';
import type { TypeRegistry } from './types/registry.js';
import type { Logger } from './log.js';
import type { Engine } from './engine.js';
import type { WorkerRegistry } from './workers/registry.js';
import type { Supervisor } from './workers/supervisor.js';
import type { StatsRuntime } from './stats/runtime.js';
import type { Scheduler } from './schedules/scheduler.js';
import type { Archive } from './archive/archive.js';
import type { PeerLink } from './peer-link.js';
import type { FenceBook } from './fence.js';

export interface Daemon {
  store: Store;
  /** Applies task changes and tells everyone: use it, not the store, to change a task. */
  engine: Engine;
  workers: WorkerRegistry;
  supervisor: Supervisor;
  /** Cron schedules: their timer, policies and config.toml entries. */
  scheduler: Scheduler;
  types: TypeRegistry;
  /** Where rm and [retention] put tasks; restore and undo take them back. */
  archive: Archive;
  events: EventBus;
  paths: Paths;
  config: Config;
  /** Tags of the default local worker (detected from the host, or configured). */
  defaultTags: string[];
  version: string;
  startedAt: number;
  /** With a PostgreSQL store: this daemon's name among the daemons sharing it (store.host). */
  host?: string;
  /** With a PostgreSQL store: the tasks this daemon stopped itself (cut off from the store) and those whose process a worker reported ended. */
  fence?: FenceBook;
  /** With store.peer_token set: reads the output of tasks that ran on other daemons (logs, logs -f). */
  peerLink?: PeerLink;
  /** Which store, and where (a PostgreSQL URL with its password masked). */
  storeInfo?: { kind: 'leveldb' | 'postgresql'; location: string };
  /** Damage the start-up check found in the store and started anyway, one line each (daemon.status shows them). */
  storeWarnings?: string[];
  log: Logger;
  /** The sampler, disk-use cache and metrics listener behind `stats`. */
  stats: StatsRuntime;
  now(): number;
  /** Begin a clean shutdown. */
  stop(reason: string, opts?: { keepWorkers?: boolean }): void;
}

export interface CallContext {
  daemon: Daemon;
  conn: Connection;
}

export type Handler<M extends MethodName> = (params: Params<M>, ctx: CallContext) => Promise<Result<M>>;

/** Every method has a handler, or this type does not check. */
export type HandlerRegistry = { [M in MethodName]: Handler<M> };
