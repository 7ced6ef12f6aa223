import type { Handler } from '../../context.js';

export const workerLs: Handler<'worker.ls'> = async (_p, { daemon }) => ({ workers: daemon.workers.list() });
