// What every handler receives. Passed in, never imported, so tests can build one.
import type { Config } from '../core/config.js';
import type { Paths } from '../core/paths.js';
import type { MethodName, Params, Result } from '../protocol/methods.js';
import type { Connection } from './connection.js';
import type { EventBus } from './events.js';
import type { Store } from './store/store.js';
import type { TypeRegistry } from './types/registry.js';
import type { Logger } from './log.js';

export interface Daemon {
  store: Store;
  types: TypeRegistry;
  events: EventBus;
  paths: Paths;
  config: Config;
  version: string;
  startedAt: number;
  log: Logger;
  now(): number;
  /** Begin a clean shutdown. */
  stop(reason: string): void;
}

export interface CallContext {
  daemon: Daemon;
  conn: Connection;
}

export type Handler<M extends MethodName> = (params: Params<M>, ctx: CallContext) => Promise<Result<M>>;

/** Every method has a handler, or this type does not check. */
export type HandlerRegistry = { [M in MethodName]: Handler<M> };
