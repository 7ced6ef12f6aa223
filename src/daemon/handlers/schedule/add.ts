import type { Handler } from '../../context.js';

/** Everything is checked before the schedule is stored: the expression, the zone, the type and its env. */
export const scheduleAdd: Handler<'schedule.add'> = (params, { daemon }) => daemon.scheduler.add(params);
