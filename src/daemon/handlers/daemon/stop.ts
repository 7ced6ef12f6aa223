import type { Handler } from '../../context.js';

/** Answers first, then shuts down, so the caller sees the reply. */
export const daemonStop: Handler<'daemon.stop'> = async (_params, { daemon }) => {
  setImmediate(() => daemon.stop('daemon.stop'));
  return { stopping: true, pid: process.pid };
};
