import type { Handler } from '../../context.js';

/** The schedule goes; the tasks it made stay (they still name it). */
export const scheduleRm: Handler<'schedule.rm'> = (params, { daemon }) => daemon.scheduler.remove(params.name);
