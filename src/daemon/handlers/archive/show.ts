import type { Handler } from '../../context.js';

export const archiveShow: Handler<'archive.show'> = (params, { daemon }) => daemon.archive.show(params.id);
