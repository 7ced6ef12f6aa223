import type { Handler } from '../../context.js';

/** Read every type directory and the stored types again, as at start. */
export const typesRescan: Handler<'types.rescan'> = async (_params, { daemon }) => {
  daemon.types.load();
  daemon.types.setStored(await daemon.store.storedTypes());
  const errors = daemon.types.errors();
  daemon.log.info('task types rescanned', { types: daemon.types.names().length, errors: errors.length });
  return { types: daemon.types.names().length, errors };
};
