import { PROTOCOL_VERSION } from '../../../protocol/methods.js';
import type { Handler } from '../../context.js';

export const daemonStatus: Handler<'daemon.status'> = async (_params, { daemon }) => ({
  pid: process.pid,
  version: daemon.version,
  protocol: PROTOCOL_VERSION,
  home: daemon.paths.home,
  socket: daemon.paths.socket,
  startedAt: daemon.startedAt,
  counts: daemon.store.counts(),
  rss: process.memoryUsage.rss(),
  cpu: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
  workers: daemon.workers.live().length,
  subscriptions: daemon.events.size,
  ...(daemon.storeInfo ? { store: daemon.storeInfo } : {}),
  ...(daemon.host !== undefined ? { host: daemon.host } : {}),
  ...(daemon.storeWarnings?.length ? { storeWarnings: daemon.storeWarnings } : {}),
});
