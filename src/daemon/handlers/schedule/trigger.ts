import { withoutCallerEnv } from '../../../core/callerenv.js';
import type { Handler } from '../../context.js';
import { noWorkerWarning } from '../../submit.js';

/** Run once now, whatever the overlap policy, even when paused. */
export const scheduleTrigger: Handler<'schedule.trigger'> = async (params, { daemon }) => {
  const fired = await daemon.scheduler.trigger(params.name);
  const r = { ...fired, task: withoutCallerEnv(fired.task) };
  const w = noWorkerWarning(daemon, r.task);
  return w ? { ...r, warnings: [...r.warnings, w] } : r;
};
