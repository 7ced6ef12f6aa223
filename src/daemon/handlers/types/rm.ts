import { BlanketError, closest } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';

/** Remove a type added over RPC. File types belong to their files. */
export const typesRm: Handler<'types.rm'> = async ({ name }, { daemon }) => {
  if (!daemon.types.hasStored(name)) {
    const file = daemon.types.fileOf(name);
    if (file)
      throw new BlanketError('INVALID_STATE', `task type ${name} comes from the file ${file}; only types added with 'blanket types add' can be removed`, {
        hint: `delete or rename ${file} to remove it`,
      });
    const guess = closest(name, daemon.types.names());
    throw new BlanketError('UNKNOWN_TYPE', `unknown task type "${name}"${guess ? `: did you mean "${guess}"?` : ''}`, { hint: "list the types with 'blanket types ls'" });
  }
  await daemon.store.removeStoredType(name);
  daemon.types.removeStored(name);
  daemon.log.info('stored task type removed', { type: name });
  const still = daemon.types.get(name);
  return { removed: name, ...(still ? { inForce: still.source } : {}) };
};
