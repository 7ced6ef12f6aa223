import { BlanketError, closest } from '../../../protocol/errors.js';
import type { Handler } from '../../context.js';

export const typesShow: Handler<'types.show'> = async ({ name }, { daemon }) => {
  const t = daemon.types.get(name);
  if (t) return t;
  const guess = closest(name, daemon.types.names());
  throw new BlanketError('UNKNOWN_TYPE', `unknown task type "${name}"${guess ? `: did you mean "${guess}"?` : ''}`, { hint: "list the types with 'blanket types ls'" });
};
