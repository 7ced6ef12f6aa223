import type { Handler } from '../../context.js';

export const archiveLs: Handler<'archive.ls'> = (params, { daemon }) => daemon.archive.list(params.limit ?? 20);
