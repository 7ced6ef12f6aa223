import type { Handler } from '../../context.js';

export const schedulePause: Handler<'schedule.pause'> = (params, { daemon }) => daemon.scheduler.setPaused(params.name, true);
