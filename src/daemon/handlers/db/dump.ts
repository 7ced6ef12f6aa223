import type { Handler } from '../../context.js';

/** One page of records; the CLI asks for pages until `next` is absent. */
export const dbDump: Handler<'db.dump'> = async (p, { daemon }) =>
  daemon.store.admin.dump({
    kind: p.kind ?? 'task',
    limit: p.limit ?? 1000,
    ...(p.from !== undefined ? { from: p.from } : {}),
    ...(p.to !== undefined ? { to: p.to } : {}),
    ...(p.after !== undefined ? { after: p.after } : {}),
  });
