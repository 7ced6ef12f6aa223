// Which store a daemon opens: LevelDB in the home, or PostgreSQL when store.url (or
// BLANKET_STORE_URL) names one, loaded only then so a LevelDB daemon never loads `pg`.
// A PostgreSQL store that cannot be reached is tried again with backoff, for a bounded time.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { Config } from '../core/config.js';
import { backupsDir, type Paths } from '../core/paths.js';
import type { Logger } from './log.js';
import { LevelStore } from './store/level.js';
import type { PostgresStore } from './store/pg.js';
import { StoreError } from './store/store.js';

/** How long a daemon start keeps trying a PostgreSQL store that cannot be reached (the CLI waits 15 s for a start). */
export const PG_START_RETRY_MS = 10_000;

export type DaemonStore = LevelStore | PostgresStore;

/** The store the configuration names, not yet opened. */
export async function makeStore(paths: Paths, config: Config): Promise<DaemonStore> {
  if (config.store.url === undefined) {
    return new LevelStore({ location: paths.db, resultsRoot: paths.results, sync: config.syncWrites, keepDamagedIn: backupsDir(paths, config.backup.dir) });
  }
  const { PostgresStore } = await import('./store/pg.js');
  return new PostgresStore({ url: config.store.url, resultsRoot: paths.results, sync: config.syncWrites, host: hostName(paths, config), homeLock: () => lockHome(paths) });
}

/** This daemon's name among those sharing the store: store.host, or the machine's name and a hash of the home (stable across restarts). */
export function hostName(paths: Paths, config: Config): string {
  if (config.store.host !== undefined) return config.store.host;
  // node:crypto only for a shared store: a LevelDB daemon does not load it.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `${os.hostname()}:${createHash('sha256').update(path.resolve(paths.home)).digest('hex').slice(0, 8)}`;
}

/**
 * One daemon per home: with LevelDB its lock does it; with PostgreSQL a small LevelDB beside
 * where the store would be is held open for the lock alone. Returns its release.
 */
async function lockHome(paths: Paths): Promise<() => Promise<void>> {
  const location = path.join(path.dirname(paths.db), 'home.lock');
  const lock = new ClassicLevel(location);
  try {
    await lock.open();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new StoreError(`the home ${paths.home} is in use by another daemon`, 'locked', { cause: err });
    throw err;
  }
  return () => lock.close();
}

/** Open it; a PostgreSQL store that cannot be reached (not a refusal: a wrong password fails at once) is tried again with backoff. */
export async function openStore(store: DaemonStore, log: Logger, retryMs = PG_START_RETRY_MS): Promise<void> {
  if (store instanceof LevelStore) return store.open();
  const deadline = Date.now() + retryMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await store.open();
    } catch (err) {
      if (!(err instanceof StoreError && err.kind === 'unavailable' && store.transient(err)) || Date.now() + wait > deadline) throw err;
      log.warn('the PostgreSQL store cannot be reached; trying again', { store: store.where, error: err.message, retryInMs: wait });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
