import type { Handler } from '../../context.js';

export const scheduleShow: Handler<'schedule.show'> = (params, { daemon }) => daemon.scheduler.show(params.name, params.limit);
