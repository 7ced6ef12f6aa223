import type { Handler } from '../../context.js';

/** Every checksum, record and derived key, from one snapshot; writes go on meanwhile. */
export const dbCheck: Handler<'db.check'> = async (_p, { daemon }) => daemon.store.admin.check();
