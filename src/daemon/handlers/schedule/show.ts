import { withoutCallerEnv } from '../../../core/callerenv.js';
import type { Handler } from '../../context.js';

export const scheduleShow: Handler<'schedule.show'> = async (params, { daemon }) => {
  const r = await daemon.scheduler.show(params.name, params.limit);
  return { ...r, history: r.history.map(withoutCallerEnv) };
};
