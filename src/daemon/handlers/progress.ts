import type { Handler } from '../context.js';
import { resolveId } from '../resolve.js';

/** From `blanket progress` inside a task, or a worker reading the task's .progress file. */
export const progress: Handler<'progress'> = async (params, { daemon }) => {
  const id = await resolveId(daemon, params.id);
  await daemon.engine.apply(id, { type: 'progress', at: daemon.now(), percent: params.percent, message: params.message ?? '' });
  return { ok: true };
};
