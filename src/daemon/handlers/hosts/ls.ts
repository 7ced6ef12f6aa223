import os from 'node:os';
import type { Handler } from '../../context.js';

/** The daemons sharing the store, with their lease and tasks; on LevelDB, this daemon alone. */
export const hostsLs: Handler<'hosts.ls'> = async (_params, { daemon }) => ({
  hosts: await daemon.store.hosts(daemon.host ?? os.hostname()),
  store: daemon.storeInfo?.kind ?? 'leveldb',
});
