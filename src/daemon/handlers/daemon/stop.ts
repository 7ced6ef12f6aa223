import type { Handler } from '../../context.js';

/**
 * Answers first, then shuts down, so the caller sees the reply. Workers are stopped (their
 * running tasks end STOPPED) unless keepWorkers: then they and their tasks go on and
 * reconnect to the next daemon (what `daemon restart` does).
 */
export const daemonStop: Handler<'daemon.stop'> = async (params, { daemon }) => {
  setImmediate(() => daemon.stop('daemon.stop', { keepWorkers: params.keepWorkers === true }));
  return { stopping: true, pid: process.pid };
};
