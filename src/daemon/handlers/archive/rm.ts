import type { Handler } from '../../context.js';

/** Deletes archived tasks for good, with their files. All or nothing: an id not in the archive changes nothing. */
export const archiveRm: Handler<'archive.rm'> = async (params, { daemon }) => ({ removed: await daemon.archive.remove(params.ids) });
