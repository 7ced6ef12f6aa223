import type { Handler } from '../context.js';
import { resolveId } from '../resolve.js';

export const show: Handler<'show'> = async (params, { daemon }) => {
  const id = await resolveId(daemon.store, params.id);
  const task = (await daemon.store.get(id))!;
  return { task, dependents: await daemon.store.dependents(id) };
};
